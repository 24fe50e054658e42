package bulk

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/a0meta/a0meta/pkg/mgmt"
)

// simServer is a token bucket that answers like the Management API.
type simServer struct {
	rate     float64
	burst    int
	tokens   float64
	refilled time.Time
}

func (s *simServer) take(now time.Time) mgmt.RateInfo {
	s.tokens = math.Min(float64(s.burst), s.tokens+now.Sub(s.refilled).Seconds()*s.rate)
	s.refilled = now
	status := 200
	if s.tokens >= 1 {
		s.tokens--
	} else {
		status = 429
	}
	reset := now
	if s.tokens < float64(s.burst) {
		need := (math.Floor(s.tokens) + 1 - s.tokens) / s.rate
		reset = now.Add(time.Duration(need * float64(time.Second)))
	}
	sec := reset.Unix()
	if reset.Nanosecond() > 0 {
		sec++
	}
	return mgmt.RateInfo{Limit: s.burst, Remaining: int(math.Floor(s.tokens)), Reset: time.Unix(sec, 0), Status: status}
}

type simEvent struct {
	at     time.Time
	worker int
	kind   int // 0: ready to reserve; 1: reaches the server; 2: answer arrives
	info   mgmt.RateInfo
}

type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

var simTrace = os.Getenv("SIMTRACE") != ""

// simulate runs writes through the pacer in virtual time with workers in
// parallel, latencies drawn between minLat and maxLat (so answers arrive
// out of order), and 429s retried after the reset as the retry transport
// does. It returns the sustained write rate over the server's rate and the
// share of answers that were 429.
func simulate(t *testing.T, rate float64, burst, workers, writes int, minLat, maxLat time.Duration) (float64, float64) {
	t.Helper()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := &simServer{rate: rate, burst: burst, tokens: float64(burst), refilled: start}
	p := NewPacer()
	rng := rand.New(rand.NewPCG(1, 2))
	lat := func() time.Duration { return minLat + time.Duration(rng.Int64N(int64(maxLat-minLat)+1)) }
	q := &simQueue{}
	for w := range workers {
		heap.Push(q, simEvent{at: start, worker: w})
	}
	started, done, answers, throttled := 0, 0, 0, 0
	var end time.Time
	for q.Len() > 0 {
		e := heap.Pop(q).(simEvent)
		switch e.kind {
		case 0:
			d, first := p.reserve(mgmt.BucketUserWrite, e.at)
			if first != nil {
				heap.Push(q, simEvent{at: e.at.Add(time.Millisecond), worker: e.worker})
				continue
			}
			if d > 0 {
				heap.Push(q, simEvent{at: e.at.Add(d), worker: e.worker})
				continue
			}
			heap.Push(q, simEvent{at: e.at.Add(lat() / 2), worker: e.worker, kind: 1})
		case 1:
			info := srv.take(e.at)
			heap.Push(q, simEvent{at: e.at.Add(lat() / 2), worker: e.worker, kind: 2, info: info})
		case 2:
			p.observe(mgmt.BucketUserWrite, e.info, true, e.at)
			if simTrace && answers < 200 {
				pc := p.buckets[mgmt.BucketUserWrite]
				t.Logf("%8.3fs w%d %d rem=%d srv=%.2f est=%.2f adj=%.3f lim=%.2f tok=%.2f in=%d", e.at.Sub(start).Seconds(), e.worker, e.info.Status, e.info.Remaining, srv.tokens, pc.est, pc.adj, float64(pc.lim.Limit()), pc.lim.TokensAt(e.at), pc.inflight)
			}
			answers++
			if e.info.Status == 429 {
				throttled++
				wait := max(e.info.Reset.Sub(e.at), 100*time.Millisecond)
				heap.Push(q, simEvent{at: e.at.Add(wait), worker: e.worker})
				continue
			}
			done++
			end = e.at
			if started < writes-workers {
				started++
				heap.Push(q, simEvent{at: e.at, worker: e.worker})
			}
		}
	}
	if done != writes-workers+workers && done != writes {
		t.Fatalf("done %d of %d", done, writes)
	}
	// The bucket starts full: those writes are free, not sustained.
	sustained := float64(done-burst) / end.Sub(start).Seconds()
	return sustained / rate, float64(throttled) / float64(answers)
}

func TestPacerHoldsTheBucketRate(t *testing.T) {
	tests := []struct {
		name           string
		rate           float64
		burst, workers int
		writes         int
		minLat, maxLat time.Duration
		maxThrottled   float64
	}{
		{"professional sped up", 20000.0 / 60, 20, 8, 10000, time.Millisecond, 8 * time.Millisecond, 0.01},
		{"professional sped up, 32 workers", 20000.0 / 60, 20, 32, 10000, time.Millisecond, 8 * time.Millisecond, 0.01},
		{"professional", 200.0 / 60, 20, 8, 600, 50 * time.Millisecond, 300 * time.Millisecond, 0.01},
		{"enterprise", 16, 50, 8, 2000, 50 * time.Millisecond, 300 * time.Millisecond, 0.01},
		// A bucket of 2 says only "0" or "1" remaining, too coarse to
		// steer by: a few percent of answers are 429 (and retried).
		{"free", 2, 2, 8, 300, 50 * time.Millisecond, 300 * time.Millisecond, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frac, share := simulate(t, tt.rate, tt.burst, tt.workers, tt.writes, tt.minLat, tt.maxLat)
			t.Logf("sustained %.1f%% of the bucket rate, %.2f%% answered 429", frac*100, share*100)
			if frac < 0.95 {
				t.Errorf("sustained %.1f%% of the bucket rate, want at least 95%%", frac*100)
			}
			if share >= tt.maxThrottled {
				t.Errorf("%.2f%% of answers were 429, want under %.0f%%", share*100, tt.maxThrottled*100)
			}
		})
	}
}

// Before the first answer only one request probes the bucket; the others
// wait for its answer.
func TestPacerProbesFirst(t *testing.T) {
	p := NewPacer()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if d, first := p.reserve(mgmt.BucketUserWrite, now); d != 0 || first != nil {
		t.Fatalf("the probe waits: %v %v", d, first)
	}
	_, first := p.reserve(mgmt.BucketUserWrite, now)
	if first == nil {
		t.Fatal("a second request went before the probe's answer")
	}
	// Another bucket has its own probe.
	if _, f := p.reserve(mgmt.BucketUserRead, now); f != nil {
		t.Error("the read bucket waits for the write bucket")
	}
	select {
	case <-first:
		t.Fatal("released before the answer")
	default:
	}
	p.observe(mgmt.BucketUserWrite, mgmt.RateInfo{Limit: 20, Remaining: 19, Reset: now, Status: 200}, true, now.Add(10*time.Millisecond))
	select {
	case <-first:
	default:
		t.Fatal("not released by the answer")
	}
	if st := p.Stats()[mgmt.BucketUserWrite]; st.Limit != 20 || st.Answers != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A late answer carries a stale remaining: one whose reset is older than
// the newest seen teaches nothing.
func TestPacerIgnoresStaleAnswers(t *testing.T) {
	p := NewPacer()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := mgmt.BucketUserWrite
	p.reserve(b, now)
	p.observe(b, mgmt.RateInfo{Limit: 20, Remaining: 19, Reset: now.Add(2 * time.Second), Status: 200}, true, now)
	pc := p.buckets[b]
	seq, lim := pc.seq, pc.lim.Limit()
	p.reserve(b, now)
	p.observe(b, mgmt.RateInfo{Limit: 20, Remaining: 0, Reset: now.Add(time.Second), Status: 200}, true, now.Add(time.Millisecond))
	if pc.seq != seq || pc.lim.Limit() != lim {
		t.Errorf("a stale answer changed the pace: samples %d→%d, rate %v→%v", seq, pc.seq, lim, pc.lim.Limit())
	}
	// A fresh one does.
	p.reserve(b, now)
	p.observe(b, mgmt.RateInfo{Limit: 20, Remaining: 0, Reset: now.Add(3 * time.Second), Status: 200}, true, now.Add(2*time.Millisecond))
	if pc.seq != seq+1 || pc.lim.Limit() >= lim {
		t.Errorf("a fresh answer with nothing remaining: samples %d, rate %v (was %v)", pc.seq, pc.lim.Limit(), lim)
	}
	if pc.lim.TokensAt(now.Add(2*time.Millisecond)) >= 1 {
		t.Error("local tokens above what the server has left")
	}
}
