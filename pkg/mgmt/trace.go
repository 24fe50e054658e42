package mgmt

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxTracedBody bounds how much of one body the trace shows.
const maxTracedBody = 64 << 10

// lockedWriter keeps blocks written by concurrent requests whole.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// traceTransport writes each attempt, request and answer, with credentials
// redacted. It sits right above the base transport, so retries show up as
// separate attempts.
type traceTransport struct {
	next         http.RoundTripper
	w            io.Writer
	redactValues bool

	secrets *secretSet // every credential seen so far, scrubbed everywhere
}

func (t *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	red := &redactor{all: t.redactValues}
	r := req
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		r = req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}

	var blk strings.Builder
	u := *req.URL
	line := u.Scheme + "://" + u.Host + red.path(u.EscapedPath())
	if u.RawQuery != "" {
		line += "?" + red.query(u.RawQuery)
	}
	fmt.Fprintf(&blk, "> %s %s\n", req.Method, line)
	writeHeaders(&blk, "> ", req.Header, red)
	blk.WriteString("\n")
	writeBody(&blk, reqBody, req.Header.Get("Content-Type"), red)
	t.emit(red, blk.String())

	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	elapsed := time.Since(start).Round(time.Millisecond).String()
	if elapsed == "0s" {
		elapsed = "<1ms"
	}
	blk.Reset()
	if err != nil {
		fmt.Fprintf(&blk, "< error after %s: %v\n\n", elapsed, err)
		t.emit(red, blk.String())
		return nil, err
	}
	// Bounded like the answer itself; what is past the bound still
	// streams on to the caller, which refuses it.
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	fmt.Fprintf(&blk, "< %s (%s)\n", resp.Status, elapsed)
	writeHeaders(&blk, "< ", resp.Header, red)
	blk.WriteString("\n")
	writeBody(&blk, respBody, resp.Header.Get("Content-Type"), red)
	if readErr != nil {
		fmt.Fprintf(&blk, "< error reading the body: %v\n\n", readErr)
	}
	t.emit(red, blk.String())
	var rest io.Reader = bytes.NewReader(respBody)
	if readErr != nil {
		rest = io.MultiReader(rest, errReader{readErr})
	} else if len(respBody) > MaxAnswer {
		rest = io.MultiReader(rest, resp.Body)
	}
	resp.Body = readCloser{Reader: rest, Closer: resp.Body}
	return resp, nil
}

func (t *traceTransport) emit(red *redactor, s string) {
	t.secrets.add(red.secrets...)
	for _, v := range t.secrets.list() {
		s = strings.ReplaceAll(s, v, redacted)
	}
	_, _ = io.WriteString(t.w, s)
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func writeHeaders(b *strings.Builder, prefix string, h http.Header, red *redactor) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, red.header(k, v))
		}
	}
}

func writeBody(b *strings.Builder, body []byte, contentType string, red *redactor) {
	if len(body) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	looksJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	var text string
	switch {
	case strings.Contains(mt, "json") || looksJSON:
		if out, ok := red.jsonBody(body); ok {
			text = string(out)
		} else if red.all {
			text = fmt.Sprintf("[%d bytes, not valid JSON, hidden]", len(body))
		} else {
			// Not JSON after all (trailing junk, truncated): credentials
			// are found by their names instead.
			text = red.loose(string(body))
		}
	case mt == "application/x-www-form-urlencoded":
		text = red.query(string(body))
	case strings.HasPrefix(mt, "text/") || mt == "" || strings.Contains(mt, "xml") || strings.Contains(mt, "html"):
		if red.all {
			text = fmt.Sprintf("[%d bytes of text hidden]", len(body))
		} else {
			// A token endpoint may answer form-encoded as text/plain.
			text = red.loose(string(body))
		}
	default:
		text = fmt.Sprintf("[%d bytes of %s]", len(body), mt)
	}
	if len(text) > maxTracedBody {
		text = fmt.Sprintf("%s\n[... %d more bytes not shown]", text[:maxTracedBody], len(text)-maxTracedBody)
	}
	b.WriteString(text)
	b.WriteString("\n\n")
}
