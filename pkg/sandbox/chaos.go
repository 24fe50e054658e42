package sandbox

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RandomFaults make the sandbox misbehave at random, reproducibly, on the
// user reads and writes a bulk run sends (GET /users, /users/{id},
// /users-by-email and PATCH /users/{id}), for soak tests. Each such request
// fails with probability Rate, evenly in one of four ways:
//   - 429 with Auth0's body and x-ratelimit headers (nothing done);
//   - 500 (nothing done);
//   - the connection closed without an answer (nothing done);
//   - the request is carried out but its answer is held back for Slow, so
//     a client with a shorter timeout sees no answer to a write that was
//     made.
//
// The draws come from a generator seeded with Seed, one per such request
// in arrival order.
type RandomFaults struct {
	Rate float64
	Seed uint64
	Slow time.Duration // default 3s
}

// Kinds of random faults, as counted by FaultCounts.
const (
	FaultTooMany = "429"
	FaultServer  = "500"
	FaultReset   = "reset"
	FaultSlow    = "slow"
)

var faultKinds = [...]string{FaultTooMany, FaultServer, FaultReset, FaultSlow}

func faultTarget(r *http.Request) bool {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v2/")
	top, rest, _ := strings.Cut(p, "/")
	switch {
	case top == "users" && !strings.Contains(rest, "/"):
		return r.Method == http.MethodGet || (r.Method == http.MethodPatch && rest != "")
	case top == "users-by-email" && rest == "":
		return r.Method == http.MethodGet
	}
	return false
}

// drawFault picks the random fault for r, if any.
func (s *Server) drawFault(r *http.Request) string {
	rf := s.opts.RandomFaults
	if rf == nil || rf.Rate <= 0 || !faultTarget(r) {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(rf.Seed, 0x5a4db0c5))
	}
	x := s.rng.Float64()
	if x >= rf.Rate {
		return ""
	}
	kind := faultKinds[min(int(x/rf.Rate*4), 3)]
	if s.faultCounts == nil {
		s.faultCounts = map[string]int{}
	}
	s.faultCounts[kind]++
	return kind
}

// FaultCounts returns how many random faults of each kind were injected.
func (s *Server) FaultCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.faultCounts {
		out[k] = v
	}
	return out
}

// actRandomFault acts out kind; it reports whether the request was dealt
// with (false: handle it normally).
func (s *Server) actRandomFault(w *statusWriter, r *http.Request, body []byte, kind string) bool {
	switch kind {
	case FaultTooMany:
		h := w.Header()
		h.Set("X-Ratelimit-Limit", "10")
		h.Set("X-Ratelimit-Remaining", "0")
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(s.opts.Now().Unix()+1, 10))
		writeError(w, http.StatusTooManyRequests, "Too Many Requests", "Global limit has been reached", "too_many_requests")
	case FaultServer:
		writeError(w, http.StatusInternalServerError, "Internal Server Error", "Internal Server Error", "")
	case FaultReset:
		s.applyFault(w, r, &Fault{Hangup: true})
	case FaultSlow:
		held := &heldAnswer{header: http.Header{}}
		s.handleAPI(held, r, body)
		slow := s.opts.RandomFaults.Slow
		if slow <= 0 {
			slow = 3 * time.Second
		}
		t := time.NewTimer(slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true // the client gave up; the change (if any) stays
		}
		for k, vs := range held.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(held.status)
		w.Write(held.body.Bytes())
	default:
		return false
	}
	return true
}
