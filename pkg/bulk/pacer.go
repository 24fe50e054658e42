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
//   - while the bucket stays full and requests wait for the pacer, the
//     rate is doubled (after a first 429: raised by a tenth) at most every
//     100 ms, to find the server's rate quickly;
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
	ringSize       = 1024
	minSamples     = 32
	minWindow      = 250 * time.Millisecond
	minSlowSamples = 8
	minSlowWindow  = 2 * time.Second
	maxWindow      = 60 * time.Second
	rampEvery      = 100 * time.Millisecond
	slowStartStep  = 25 * time.Millisecond
	maxStep        = 2 * time.Second
	minRate        = 0.1 // tokens per second: never stall completely
	throttleScale  = 0.5 // rate factor at remaining 0
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
	blocked  time.Time     // no request before this (after a 429 before any estimate)
	probing  bool          // the first request is out
	known    chan struct{} // closed once the bucket is known
	lastCut  time.Time     // the last decrease after a 429
	measured bool          // est has been measured, not only guessed
	adj      float64       // correction learnt from 429s, at most 1
	waited   bool          // a request had to wait since the last ramp
	lastFull bool          // the newest answer found the bucket full

	answers, throttled int64
}

func (p *Pacer) get(b mgmt.Bucket) *pace {
	pc := p.buckets[b]
	if pc == nil {
		pc = &pace{adj: 1}
		p.buckets[b] = pc
	}
	return pc
}

// Wait blocks until a request to bucket b may be sent.
func (p *Pacer) Wait(ctx context.Context, b mgmt.Bucket) error {
	for {
		d, first := p.reserve(b, p.now())
		if first != nil {
			select {
			case <-first:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// maxPoll bounds one wait for a token, so a changed rate takes effect
// soon: waiters are not queued at the rate of the moment they arrived.
const maxPoll = 50 * time.Millisecond

// reserve takes a token for one request at now (d == 0) or says how long
// to wait before asking again. While a bucket is unknown one request
// probes it: the others get a channel that is closed when its answer has
// been observed.
func (p *Pacer) reserve(b mgmt.Bucket, now time.Time) (d time.Duration, first <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc := p.get(b)
	if pc.lim == nil {
		if pc.probing {
			return 0, pc.known
		}
		pc.probing = true
		pc.known = make(chan struct{})
		pc.inflight++
		return 0, nil
	}
	if pc.blocked.After(now) {
		pc.waited = true
		return min(pc.blocked.Sub(now), maxPoll), nil
	}
	if pc.lim.AllowN(now, 1) {
		pc.inflight++
		return 0, nil
	}
	pc.waited = true
	if pc.lastFull && !pc.measured && pc.throttled == 0 && pc.limit >= 10 && now.Sub(pc.lastRamp) >= slowStartStep {
		// Slow start: requests wait while the last answer found the
		// bucket full. Double now rather than at the next answer, which
		// at a low first guess would be long in coming. (In a small bucket
		// "full" is one token: too weak a sign to go on.)
		r := pc.lim.Limit() * 2
		pc.lim.SetLimitAt(now, r)
		pc.est = max(pc.est, float64(r))
		pc.lastRamp = now
		if pc.lim.AllowN(now, 1) {
			pc.inflight++
			return 0, nil
		}
	}
	need := (1 - pc.lim.TokensAt(now)) / float64(pc.lim.Limit())
	return min(max(time.Duration(need*float64(time.Second)), time.Millisecond), maxPoll), nil
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
	if info.Status == 0 || !ok && pc.lim == nil {
		// No answer, or none that teaches anything: let another probe go.
		if pc.probing && pc.lim == nil {
			pc.probing = false
			close(pc.known)
		}
		if info.Status == 0 {
			return
		}
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
		pc.measured = true
	}
	if pc.lim == nil {
		start := pc.est
		if start == 0 {
			// A first guess on the low side, a bucket per 10 s but at
			// least one request a second: while the bucket stays full the
			// rate doubles until it does not.
			start = max(float64(pc.limit)/10, 1)
		}
		pc.lim = rate.NewLimiter(rate.Limit(start), pc.limit)
		if pc.est == 0 {
			pc.est = start
		}
		if pc.probing {
			close(pc.known)
		}
	}
	// Steps up and down are spaced by a few refill intervals, so each one
	// is seen in the answers before the next.
	step := min(max(rampEvery, time.Duration(4/max(pc.est, minRate)*float64(time.Second))), maxStep)
	if !pc.measured && pc.throttled == 0 {
		step = slowStartStep // slow start: double quickly
	}
	if throttled && now.Sub(pc.lastCut) >= step {
		// The rate was too high. A measured estimate is biased upwards
		// where remaining is coarse (small buckets): learn a lasting
		// correction; a guess is simply cut.
		if pc.measured {
			pc.adj = max(0.5, pc.adj*0.95)
		} else {
			pc.est = max(pc.est*0.75, minRate)
		}
		pc.lastCut = now
	}
	if full && pc.measured {
		pc.adj = min(1, pc.adj*1.002)
	}
	base := pc.est
	if full && pc.waited && now.Sub(pc.lastRamp) >= step {
		// The bucket stays full while requests wait for the pacer: the
		// server refills faster than we send. Go faster until it drains.
		// (A bucket that stays full because the client sends little is
		// no reason to go faster.)
		up := 2.0
		if pc.throttled > 0 {
			// Past the first 429 the ceiling is near: creep up.
			up = 1.1
		}
		base = max(base, float64(pc.lim.Limit())) * up
		pc.est = base
		pc.lastRamp = now
		pc.waited = false
	}
	// A small bucket's remaining says little (it is 0 or 1 most of the
	// time): weigh it less.
	half := float64(pc.limit) / 2
	gain := min(1, float64(pc.limit)/20)
	f := 1 + gain*(float64(rem)-half)/float64(pc.limit)
	f = min(max(f, throttleScale), 2-throttleScale)
	// Sending a burst as big as the bucket would empty it whenever the
	// local and the server's counts disagree: keep half in reserve.
	pc.lim.SetBurstAt(now, max(1, pc.limit/2))
	pc.lim.SetLimitAt(now, rate.Limit(max(base*f*pc.adj, minRate)))
	// Never hold more local tokens than the server has left for us, less
	// the requests sent and not answered yet.
	tok := pc.lim.TokensAt(now)
	allowed := float64(rem - pc.inflight)
	if tok > allowed && tok >= 1 {
		if n := int(tok - max(allowed, 0)); n > 0 {
			pc.lim.ReserveN(now, n)
		}
	}
	pc.lastFull = full
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
	old := pc.ring[i%ringSize]
	dt := newest.t.Sub(old.t)
	// Enough answers over enough time that reordering (answers counted
	// against the wrong sample) is noise: many answers quickly, or a few
	// over seconds on slow buckets.
	if n := pc.seq - i + 1; !(n >= minSamples && dt >= minWindow) && !(n >= minSlowSamples && dt >= minSlowWindow) {
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
