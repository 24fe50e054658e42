package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VirtualDomain is the stable domain of the built-in sandbox profile; its
// audience stays the same whatever port the sandbox listens on, so tokens
// can be cached across runs like a real tenant's.
const VirtualDomain = "sandbox.a0meta.local"

// VirtualAudience is the Management API audience of VirtualDomain.
const VirtualAudience = "https://" + VirtualDomain + "/api/v2/"

// Credentials of the seeded machine-to-machine application. They only open
// the local sandbox.
const (
	DemoClientID     = "a0meta-sandbox"
	DemoClientSecret = "sandbox-secret-not-for-production"
)

// maxBody is Auth0's request payload limit (1 MB, any endpoint).
const maxBody = 1 << 20

// Options configure a sandbox.
type Options struct {
	// DataFile is the state file; "" keeps the tenant in memory only. Open
	// loads it when it exists and otherwise seeds and writes it.
	DataFile string
	// Seed fills a memory-only tenant with the seed users and clients.
	// Without it the tenant holds only the demo application (so tokens can
	// be had). A missing DataFile is always seeded.
	Seed bool
	// Audiences accepted besides https://{request Host}/api/v2/.
	Audiences []string
	// RateLimit is requests per second of one token bucket over /api/v2
	// (0: unlimited); Burst is the bucket size (default ceil(RateLimit)).
	RateLimit float64
	Burst     int
	// Limits gives each rate group its own bucket, like a real tenant's
	// plan (see PlanLimits); it takes precedence over RateLimit.
	Limits Limits
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TokenLifetime of issued access tokens (default 24h).
	TokenLifetime time.Duration
	// Synthetic users added when the tenant is seeded (a memory-only
	// tenant with Seed, or a new DataFile).
	Synthetic SeedSpec
	// CompactBytes is the journal size past which MaybeCompact writes the
	// snapshot (default DefaultCompactBytes).
	CompactBytes int64
	// RandomFaults injects faults at random into user reads and writes.
	RandomFaults *RandomFaults
	// MaxRequests bounds the request log kept for Requests (0: keep all).
	// A long-running `sandbox serve` should set it.
	MaxRequests int
}

// Request is one request the sandbox received.
type Request struct {
	Method string
	Path   string // escaped, as received
	Query  string // raw
	Header http.Header
	Body   []byte
	Status int // 0 when the connection was dropped by a Hangup fault
}

// Fault makes the sandbox misbehave for matching requests.
type Fault struct {
	Method     string // "" matches any method
	PathPrefix string // escaped path prefix; "" matches any path
	Times      int    // how many requests it hits; 0 means 1, negative means forever
	Status     int    // answer with this status and Body (0: answer normally after Delay)
	Body       string
	Header     http.Header
	Hangup     bool          // close the connection without answering
	Delay      time.Duration // wait before answering (cut short when the client gives up)
}

// Server is an in-process emulation of the parts of the Auth0 Management API
// a0meta uses. It is safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	st       *state
	gen      uint64 // bumped on every change
	savedGen uint64

	journal *os.File // nil without a DataFile
	jsize   int64
	jerr    error // a failed journal write: answers fail until compaction
	log     []*Request
	faults  []*Fault
	hook    func(*http.Request)
	buckets map[string]*bucket // by rate group; nil: unlimited

	rng         *rand.Rand // RandomFaults draws
	faultCounts map[string]int
}

// Open loads the state (or seeds it) and returns a Server ready to be
// mounted; it does not listen.
func Open(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = 24 * time.Hour
	}
	if opts.RateLimit > 0 && opts.Burst <= 0 {
		opts.Burst = int(math.Ceil(opts.RateLimit))
	}
	s := &Server{opts: opts}
	s.buckets = newBuckets(opts)
	if opts.DataFile == "" {
		s.st = seedState(newKey(), opts.Seed)
		if opts.Seed {
			addSynthetic(s.st, opts.Synthetic)
		}
		return s, nil
	}
	data, err := os.ReadFile(opts.DataFile)
	switch {
	case err == nil:
		st, err := unmarshalState(data)
		if err != nil {
			return nil, fmt.Errorf("sandbox state %s: %w: %w", opts.DataFile, ErrCorrupt, err)
		}
		s.st = st
	case errors.Is(err, fs.ErrNotExist):
		s.st = seedState(newKey(), true)
		addSynthetic(s.st, opts.Synthetic)
		s.gen = 1
	default:
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	fresh := s.gen > 0
	n, keep, newline, err := replay(s.st, journalPath(opts.DataFile))
	if err != nil {
		return nil, fmt.Errorf("sandbox state %s: %w", opts.DataFile, err)
	}
	if n > 0 {
		s.gen++
	}
	if err := s.openJournal(); err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	// New records must start on a line of their own: drop a torn tail,
	// end a last record that lacks its newline.
	if keep < s.jsize {
		err = s.journal.Truncate(keep)
		s.jsize = keep
	}
	if err == nil && newline {
		_, err = s.journal.WriteString("\n")
		s.jsize++
	}
	limit := opts.CompactBytes
	if limit <= 0 {
		limit = DefaultCompactBytes
	}
	if err == nil && (fresh || s.jsize >= limit) {
		err = s.compactLocked()
	}
	if err != nil {
		s.journal.Close()
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	return s, nil
}

// Save compacts: it writes the state to DataFile atomically (mode 0600) and
// empties the journal. It does nothing when nothing changed since the last
// save or when there is no DataFile.
func (s *Server) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.compactLocked()
}

func (s *Server) saveLocked() error { return s.compactLocked() }

// Reset puts the seed tenant back (keeping the signing key, so cached tokens
// stay valid) and saves it. A memory-only sandbox opened without Seed goes
// back to holding only the demo application.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = seedState(s.st.key, s.opts.DataFile != "" || s.opts.Seed)
	s.gen++
	return s.saveLocked()
}

// Requests returns every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// InjectFault adds a fault; faults are tried in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// SetHook sets a function called before each request is handled, outside
// the sandbox's lock (it may call PutUser and friends).
func (s *Server) SetHook(h func(r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = h
}

// User returns the stored user as a GET without fields would.
func (s *Server) User(id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.users[id]
	if !ok {
		return nil, false
	}
	return u.encode(userOrder, nil), true
}

// Client returns the stored client as a GET without fields would (without
// its secret).
func (s *Server) Client(id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, c := s.st.client(id)
	if c == nil {
		return nil, false
	}
	return c.encode(clientOrder, hideSecret), true
}

// PutUser inserts or replaces a user as given (test setup): raw must be an
// object with a user_id. Metadata is not validated.
func (s *Server) PutUser(raw json.RawMessage) error {
	u, ok := parseObject(raw)
	if !ok || u.str("user_id") == "" {
		return errors.New("sandbox: PutUser wants a JSON object with a user_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putUser(u)
	return nil
}

// PutClient inserts or replaces a client as given: raw must be an object
// with a client_id.
func (s *Server) PutClient(raw json.RawMessage) error {
	c, ok := parseObject(raw)
	if !ok || c.str("client_id") == "" {
		return errors.New("sandbox: PutClient wants a JSON object with a client_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putClient(c)
	return nil
}

// statusWriter remembers the status of the answer for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP answers /oauth/token and /api/v2.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, tooBig, readErr := readBody(r)
	s.mu.Lock()
	hook := s.hook
	entry := &Request{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
	}
	s.log = append(s.log, entry)
	if max := s.opts.MaxRequests; max > 0 && len(s.log) > max {
		s.log = append(s.log[:0], s.log[len(s.log)-max:]...)
	}
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		entry.Status = sw.status
		s.mu.Unlock()
	}()

	if hook != nil {
		hook(r)
	}
	if f := s.takeFault(r); f != nil {
		if !s.applyFault(sw, r, f) {
			return
		}
	}
	if kind := s.drawFault(r); kind != "" && readErr == nil && !tooBig {
		s.actRandomFault(sw, r, body, kind)
		return
	}
	if readErr != nil {
		writeError(sw, http.StatusBadRequest, "Bad Request", "Invalid request payload", "invalid_body")
		return
	}
	if tooBig {
		writeError(sw, http.StatusRequestEntityTooLarge, "Request Entity Too Large",
			"Payload content length greater than maximum allowed: "+strconv.Itoa(maxBody), "")
		return
	}
	path := r.URL.EscapedPath()
	switch {
	case path == "/oauth/token":
		s.handleToken(sw, r, body)
	case path == "/api/v2" || strings.HasPrefix(path, "/api/v2/"):
		s.handleAPI(sw, r, body)
	default:
		writeError(sw, http.StatusNotFound, "Not Found", "Not Found", "")
	}
}

func readBody(r *http.Request) (body []byte, tooBig bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if len(body) > maxBody {
		return body[:maxBody], true, nil
	}
	return body, false, err
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.EscapedPath()
	for i, f := range s.faults {
		if (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(path, f.PathPrefix) {
			hit := *f
			if f.Times > 0 {
				f.Times--
				if f.Times == 0 {
					s.faults = append(s.faults[:i], s.faults[i+1:]...)
				}
			}
			return &hit
		}
	}
	return nil
}

// applyFault acts out f; it reports whether normal handling should follow.
func (s *Server) applyFault(w *statusWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	if f.Hangup {
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		return true
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" && f.Body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Body)
	return false
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// writeError answers with Auth0's error envelope.
func writeError(w http.ResponseWriter, status int, errText, message, code string) {
	b := `{"statusCode":` + strconv.Itoa(status) + `,"error":` + quote(errText) + `,"message":` + quote(message)
	if code != "" {
		b += `,"errorCode":` + quote(code)
	}
	writeJSON(w, status, []byte(b+"}"))
}

func badRequest(w http.ResponseWriter, message, code string) {
	writeError(w, http.StatusBadRequest, "Bad Request", message, code)
}

// payloadError is Auth0's body validation failure.
func payloadError(w http.ResponseWriter, detail, property string) {
	msg := "Payload validation error: '" + detail + "'"
	if property != "" {
		msg += " on property " + property
	}
	badRequest(w, msg+".", "invalid_body")
}

func queryError(w http.ResponseWriter, detail, property string) {
	msg := "Query validation error: '" + detail + "'"
	if property != "" {
		msg += " on property " + property
	}
	badRequest(w, msg+".", "invalid_query_string")
}
