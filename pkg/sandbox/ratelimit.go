package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Rate groups: each has its own token bucket on Essentials and
// Professional tenants.
const (
	GroupReadUsers  = "read-users"  // GET /users, /users/{id}, /users-by-email
	GroupWriteUsers = "write-users" // POST /users, PATCH /users/{id}
	GroupClients    = "clients"     // /clients and /clients/{id}
	GroupOther      = "other"       // everything else under /api/v2
)

// Groups lists the rate groups.
var Groups = []string{GroupReadUsers, GroupWriteUsers, GroupClients, GroupOther}

// Bucket is a token bucket: Burst tokens at most, refilled at Rate per
// second.
type Bucket struct {
	Burst int
	Rate  float64
}

// Limits are the buckets of a tenant: by rate group; a group missing from
// the map takes from the "other" bucket (one bucket for everything when
// only "other" is set, as on Enterprise and Free).
type Limits map[string]Bucket

// Plans are the rate limits of Auth0's plans (Management API).
var Plans = map[string]Limits{
	"professional": {
		GroupReadUsers:  {Burst: 40, Rate: 500.0 / 60},
		GroupWriteUsers: {Burst: 20, Rate: 200.0 / 60},
		GroupClients:    {Burst: 5, Rate: 100.0 / 60},
		GroupOther:      {Burst: 10, Rate: 150.0 / 60},
	},
	"enterprise": {GroupOther: {Burst: 50, Rate: 16}},
	"free":       {GroupOther: {Burst: 2, Rate: 2}},
}

// PlanNames lists the plans, sorted.
func PlanNames() []string {
	var names []string
	for n := range Plans {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Speedup returns l with every refill rate multiplied by n (bursts stay).
func (l Limits) Speedup(n float64) Limits {
	out := Limits{}
	for g, b := range l {
		out[g] = Bucket{Burst: b.Burst, Rate: b.Rate * n}
	}
	return out
}

// ParseBucket reads BURST:RATE with RATE as N/s or N/m (N/min).
func ParseBucket(s string) (Bucket, error) {
	burst, rate, ok := strings.Cut(s, ":")
	b, err := strconv.Atoi(burst)
	if !ok || err != nil || b < 1 {
		return Bucket{}, fmt.Errorf("%q: want BURST:RATE, e.g. 20:200/m", s)
	}
	r, err := ParseRate(rate)
	if err != nil {
		return Bucket{}, fmt.Errorf("%q: %v", s, err)
	}
	return Bucket{Burst: b, Rate: r}, nil
}

// ParseRate reads N/s or N/m (N/min), N > 0, as a rate per second.
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want N/s or N/m with N > 0", s)
	}
	switch unit {
	case "", "s":
		return n, nil
	case "m", "min":
		return n / 60, nil
	}
	return 0, fmt.Errorf("rate %q: want N/s or N/m", s)
}

type bucket struct {
	Bucket
	tokens   float64
	refilled time.Time
}

func newBuckets(opts Options) map[string]*bucket {
	lim := opts.Limits
	if lim == nil && opts.RateLimit > 0 {
		lim = Limits{GroupOther: {Burst: opts.Burst, Rate: opts.RateLimit}}
	}
	if lim == nil {
		return nil
	}
	out := map[string]*bucket{}
	for g, b := range lim {
		if b.Burst < 1 {
			b.Burst = max(1, int(math.Ceil(b.Rate)))
		}
		out[g] = &bucket{Bucket: b, tokens: float64(b.Burst), refilled: opts.Now()}
	}
	return out
}

// rateGroup names the bucket a request takes from.
func rateGroup(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v2/")
	top, rest, _ := strings.Cut(p, "/")
	switch {
	case top == "users" && !strings.Contains(rest, "/"), top == "users-by-email" && rest == "":
		switch r.Method {
		case http.MethodGet:
			return GroupReadUsers
		case http.MethodPost, http.MethodPatch:
			return GroupWriteUsers
		}
	case top == "clients" && !strings.Contains(rest, "/"):
		return GroupClients
	}
	return GroupOther
}

// rateLimit takes one token from the request's bucket and sets the
// x-ratelimit headers; it reports whether the request may go on.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	h := w.Header()
	b := s.buckets[rateGroup(r)]
	if b == nil {
		b = s.buckets[GroupOther]
	}
	if b == nil {
		h.Set("X-Ratelimit-Limit", "1000")
		h.Set("X-Ratelimit-Remaining", "1000")
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(now.Unix(), 10))
		return true
	}
	burst := float64(b.Burst)
	if el := now.Sub(b.refilled).Seconds(); el > 0 {
		b.tokens = math.Min(burst, b.tokens+el*b.Rate)
	}
	b.refilled = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	reset := now
	if b.tokens < burst {
		// when the next token arrives, rounded up to whole seconds
		need := (math.Floor(b.tokens) + 1 - b.tokens) / b.Rate
		reset = now.Add(time.Duration(need * float64(time.Second)))
	}
	resetSec := reset.Unix()
	if reset.Nanosecond() > 0 {
		resetSec++
	}
	h.Set("X-Ratelimit-Limit", strconv.Itoa(b.Burst))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(int(math.Floor(b.tokens))))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(resetSec, 10))
	return ok
}
