package bulk

import (
	"context"
	"sync"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
	"golang.org/x/time/rate"
)

// Pacer is a shared limiter per rate bucket (mgmt.Gate). It learns each
// bucket from the answers' x-ratelimit-* headers and paces requests so the
// server's bucket neither fills up (refills lost: slower than allowed) nor
// runs dry (429s):
//
//   - the refill rate is estimated over a window of answers as
//     (tokens taken + change in remaining) / elapsed time, using only
//     stretches where the bucket was never full (a full bucket drops
//     refills, so the figure would only be a lower bound);
//   - while the bucket stays (nearly) full the rate is doubled at most
//     every 100 ms, to find the server's rate quickly;
//   - the rate sent is the estimate scaled by how far remaining is from
//     half the bucket (between 0.5 and 1.5 times), which holds remaining
//     near the middle, away from both ends;
//   - the local token count is never above what the server says remains,
//     less the requests in flight.
//
// Answers can arrive out of order, and a late one carries a stale
// remaining: an answer whose x-ratelimit-reset is older than the newest
// reset seen is counted but otherwise ignored.
type Pacer struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[mgmt.Bucket]*pace
}

var _ mgmt.Gate = (*Pacer)(nil)

// NewPacer returns a pacer that knows nothing yet: requests go unpaced
// until the first answer of their bucket.
func NewPacer() *Pacer { return &Pacer{now: time.Now, buckets: make(map[mgmt.Bucket]*pace)} }

type sample struct {
	t   time.Time
	ok  int64 // answers that took a token, up to this one
	rem int
}

const (
	ringSize      = 1024
	minSamples    = 32
	minWindow     = 250 * time.Millisecond
	maxWindow     = 10 * time.Second
	rampEvery     = 100 * time.Millisecond
	minRate       = 0.1 // tokens per second: never stall completely
	throttleScale = 0.5 // rate factor at remaining 0
)

type pace struct {
	lim      *rate.Limiter
	limit    int
	est      float64   // refill rate, tokens per second; 0: unknown
	newest   time.Time // newest x-ratelimit-reset seen
	inflight int
	ok       int64
	ring     [ringSize]sample
	seq      int64 // samples taken
	capped   int64 // seq of the last sample with a full bucket (0: none)
	lastRamp time.Time
	blocked  time.Time // no request before this (after a 429 before any estimate)

	answers, throttled int64
}

func (p *Pacer) get(b mgmt.Bucket) *pace {
	pc := p.buckets[b]
	if pc == nil {
		pc = &pace{}
		p.buckets[b] = pc
	}
	return pc
}

// Wait blocks until a request to bucket b may be sent.
func (p *Pacer) Wait(ctx context.Context, b mgmt.Bucket) error {
	d := p.reserve(b, p.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		p.get(b).inflight--
		p.mu.Unlock()
		return ctx.Err()
	}
}

// reserve takes a token for one request at now and says how long to wait.
func (p *Pacer) reserve(b mgmt.Bucket, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc := p.get(b)
	pc.inflight++
	var d time.Duration
	if pc.lim != nil {
		d = pc.lim.ReserveN(now, 1).DelayFrom(now)
	}
	if w := pc.blocked.Sub(now); w > d {
		d = w
	}
	return d
}

// Observe learns from one answer of bucket b.
func (p *Pacer) Observe(b mgmt.Bucket, info mgmt.RateInfo, ok bool) {
	p.observe(b, info, ok, p.now())
}

func (p *Pacer) observe(b mgmt.Bucket, info mgmt.RateInfo, ok bool, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc := p.get(b)
	pc.inflight--
	if info.Status == 0 {
		return // no answer
	}
	pc.answers++
	throttled := info.Status == 429
	if throttled {
		pc.throttled++
	} else {
		pc.ok++
	}
	if !ok || info.Reset.Before(pc.newest) {
		return
	}
	pc.newest = info.Reset
	pc.limit = info.Limit
	rem := info.Remaining
	if throttled {
		rem = 0
	}
	pc.seq++
	pc.ring[pc.seq%ringSize] = sample{t: now, ok: pc.ok, rem: rem}
	full := rem >= pc.limit-1
	if full {
		pc.capped = pc.seq
	}
	if est, valid := pc.estimate(); valid {
		pc.est = est
	}
	if pc.lim == nil {
		start := pc.est
		if start == 0 {
			start = float64(pc.limit) // a first guess: one bucket a second
		}
		pc.lim = rate.NewLimiter(rate.Limit(start), pc.limit)
		if pc.est == 0 {
			pc.est = start
		}
	}
	base := pc.est
	if rem >= pc.limit*3/4 && now.Sub(pc.lastRamp) >= rampEvery && pc.seq-pc.capped < minSamples {
		// The bucket stays (nearly) full: the server refills faster than
		// we send. Go faster until it drains.
		base = max(base, float64(pc.lim.Limit())) * 2
		pc.est = base
		pc.lastRamp = now
	}
	half := float64(pc.limit) / 2
	f := 1 + (float64(rem)-half)/float64(pc.limit)
	f = min(max(f, throttleScale), 2-throttleScale)
	pc.lim.SetBurstAt(now, pc.limit)
	pc.lim.SetLimitAt(now, rate.Limit(max(base*f, minRate)))
	// Never hold more local tokens than the server has left for us.
	allowed := float64(rem - pc.inflight)
	if tok := pc.lim.TokensAt(now); tok > allowed && tok >= 1 {
		n := int(tok - max(allowed, 0))
		if n > 0 {
			pc.lim.ReserveN(now, n)
		}
	}
	if throttled && pc.seq < minSamples && info.Reset.After(now) {
		// Nothing learnt yet: wait for the refill the server names.
		pc.blocked = info.Reset
	}
}

// estimate is the refill rate over the newest stretch of samples in which
// the bucket was never full.
func (pc *pace) estimate() (float64, bool) {
	newest := pc.ring[pc.seq%ringSize]
	oldestSeq := max(pc.capped+1, pc.seq-ringSize+1, 1)
	if pc.seq-oldestSeq+1 < minSamples {
		return 0, false
	}
	// The oldest sample inside maxWindow.
	i := oldestSeq
	for ; i < pc.seq; i++ {
		if newest.t.Sub(pc.ring[i%ringSize].t) <= maxWindow {
			break
		}
	}
	if pc.seq-i+1 < minSamples {
		return 0, false
	}
	old := pc.ring[i%ringSize]
	dt := newest.t.Sub(old.t)
	if dt < minWindow {
		return 0, false
	}
	refilled := float64(newest.ok-old.ok) + float64(newest.rem-old.rem)
	if refilled <= 0 {
		return 0, false
	}
	return refilled / dt.Seconds(), true
}

// BucketStats are the answers one bucket gave.
type BucketStats struct {
	Answers   int64   // answers with a status
	Throttled int64   // of which 429
	Rate      float64 // the estimated refill rate, per second
	Limit     int     // the bucket's size
}

// Stats reports each bucket seen.
func (p *Pacer) Stats() map[mgmt.Bucket]BucketStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[mgmt.Bucket]BucketStats, len(p.buckets))
	for b, pc := range p.buckets {
		out[b] = BucketStats{Answers: pc.answers, Throttled: pc.throttled, Rate: pc.est, Limit: pc.limit}
	}
	return out
}
