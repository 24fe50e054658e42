// Package history keeps the change history of a0meta: before every PATCH an
// intent record (the before-value of each root key the PATCH touches, and
// the body), after the answer a completion record. Records are JSON lines
// appended to one file under a cross-process lock, one write(2) per record,
// so concurrent a0meta processes never interleave and a crash can at worst
// leave a torn last line, which readers skip. The file is rotated by size
// and age. Undo computes, from an entry and the field as it is now, the
// PATCH that puts the entry's root keys back.
package history

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/fsutil"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// Defaults of the history settings.
const (
	DefaultMaxSizeMB  = 256
	DefaultMaxAgeDays = 90
	// FileName is the active history file in the state directory.
	FileName = "history.jsonl"
)

// Settings are the `history:` settings of the config file.
type Settings struct {
	Enabled    bool
	MaxSizeMB  int
	MaxAgeDays int
}

// DefaultSettings records, keeping up to 256 MB and 90 days: enough for
// a bulk run of about 250,000 users to stay undoable whole.
func DefaultSettings() Settings {
	return Settings{Enabled: true, MaxSizeMB: DefaultMaxSizeMB, MaxAgeDays: DefaultMaxAgeDays}
}

// Record types in the file.
const (
	recIntent = "intent"
	recDone   = "done"
	recFailed = "failed"
	// recUnknown: the PATCH was sent and no believable answer came; it may
	// or may not have been applied.
	recUnknown = "unknown"
	recRun     = "run" // a bulk run starts
)

// Statuses of an entry, from its completion record.
const (
	StatusDone    = "done"
	StatusFailed  = "failed"
	StatusPending = "pending" // no completion record: interrupted, outcome unknown
	// StatusUnknown: sent, but the answer never came or could not be
	// believed; the write may or may not have been applied.
	StatusUnknown = "unknown"
)

// Entry is one recorded write, with its outcome.
type Entry struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Profile string    `json:"profile,omitempty"`
	Domain  string    `json:"domain"`
	Kind    string    `json:"kind"` // "user" or "client"
	Target  string    `json:"target"`
	// Input is the target as typed, when it was not the id (an email).
	Input string `json:"input,omitempty"`
	Field string `json:"field"`
	// Before holds each root key the PATCH touches with its value as read
	// before the write (null: absent), in the body's order.
	Before json.RawMessage `json:"before"`
	// Body is the exact PATCH body.
	Body   json.RawMessage `json:"body"`
	Run    string          `json:"run,omitempty"`
	Undoes string          `json:"undoes,omitempty"`
	Status string          `json:"status,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// record is one line of the file: an intent (an Entry) or a completion.
type record struct {
	Rec string `json:"rec"`
	Entry
}

// completion is the line written after the answer. It repeats the bulk
// run, so a run whose first intents were rotated away can be told apart.
type completion struct {
	Rec   string    `json:"rec"`
	ID    string    `json:"id"`
	Time  time.Time `json:"time"`
	Run   string    `json:"run,omitempty"`
	Error string    `json:"error,omitempty"`
	// Domain is the tenant of a run start record, so the last run of a
	// tenant is found even when it wrote nothing.
	Domain string `json:"domain,omitempty"`
}

// Log is the history file of one user.
type Log struct {
	// Dir is the state directory (created 0700); the file is Dir/history.jsonl.
	Dir      string
	Settings Settings
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Path is the active history file.
func (l *Log) Path() string { return filepath.Join(l.Dir, FileName) }

func (l *Log) rotatedPath() string { return l.Path() + ".1" }
func (l *Log) lockPath() string    { return l.Path() + ".lock" }

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// NewID returns a fresh entry id: 12 hex digits.
func NewID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Begin appends e as an intent record, filling in its id and time when
// they are empty, and returns the id.
func (l *Log) Begin(e Entry) (string, error) {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Status, e.Error = "", ""
	e.Before = compactIfMultiline(e.Before)
	e.Body = compactIfMultiline(e.Body)
	line, err := marshalLine(record{Rec: recIntent, Entry: e})
	if err != nil {
		return "", err
	}
	return e.ID, l.append(line)
}

// Finish appends the completion record of id: done when cause is nil,
// failed with its message otherwise.
func (l *Log) Finish(id string, cause error) error { return l.FinishRun(id, "", cause) }

// FinishRun is Finish for a write of bulk run run.
func (l *Log) FinishRun(id, run string, cause error) error {
	c := completion{Rec: recDone, ID: id, Time: l.now(), Run: run}
	if cause != nil {
		c.Rec, c.Error = recFailed, cause.Error()
		if Uncertain(cause) {
			c.Rec = recUnknown
		}
	}
	line, err := marshalLine(c)
	if err != nil {
		return err
	}
	return l.append(line)
}

// Uncertain reports whether err leaves a write's outcome unknown: sent,
// then no answer (or one that cannot be believed).
func Uncertain(err error) bool {
	var unc *mgmt.UncertainError
	return errors.As(err, &unc)
}

func marshalLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil // Encode ends the line with '\n'
}

// compactIfMultiline keeps raw JSON as it is unless it holds a line break
// (only possible as insignificant whitespace), which a JSON line cannot.
func compactIfMultiline(raw json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(raw, "\r\n") {
		return raw
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// append writes line with one write on a file opened O_APPEND, under an
// exclusive lock shared by every a0meta process, rotating first when due.
// A torn last line left by a crash is ended first, so it stays one bad line
// that readers skip and never swallows this record. Records are not synced
// one by one: they survive a crash of a0meta, not necessarily of the system.
func (l *Log) append(line []byte) error {
	if err := fsutil.PrivateDir(l.Dir); err != nil {
		return fmt.Errorf("history %s: %w", l.Dir, err)
	}
	unlock, err := lockFile(l.lockPath())
	if err != nil {
		return fmt.Errorf("history: locking %s: %w", l.lockPath(), err)
	}
	defer unlock()
	f, size, err := l.openForAppend()
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	if size > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("history: writing %s: %w", l.Path(), err)
	}
	return f.Close()
}

// openForAppend opens the active file, under the lock, rotating it first
// when due: it becomes history.jsonl.1 (the previous .1 is dropped) when
// it is past half of MaxSizeMB or its first record is older than
// MaxAgeDays; a .1 whose last record is older than MaxAgeDays is deleted.
// History thus takes at most MaxSizeMB on disk (plus one record per file)
// and no record outlives twice MaxAgeDays.
func (l *Log) openForAppend() (*os.File, int64, error) {
	maxSize := int64(l.Settings.MaxSizeMB) << 20
	if maxSize <= 0 {
		maxSize = DefaultMaxSizeMB << 20
	}
	maxAge := time.Duration(l.Settings.MaxAgeDays) * 24 * time.Hour
	if maxAge <= 0 {
		maxAge = DefaultMaxAgeDays * 24 * time.Hour
	}
	now := l.now()
	if info, err := os.Stat(l.rotatedPath()); err == nil && now.Sub(info.ModTime()) > maxAge {
		if err := os.Remove(l.rotatedPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, 0, err
		}
	}
	for rotated := false; ; rotated = true {
		f, err := os.OpenFile(l.Path(), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, 0, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		size := info.Size()
		if rotated || size == 0 {
			return f, size, nil
		}
		due := size >= maxSize/2
		if !due {
			first, ok := firstTime(f)
			due = ok && now.Sub(first) > maxAge
		}
		if !due {
			return f, size, nil
		}
		f.Close()
		if err := os.Rename(l.Path(), l.rotatedPath()); err != nil {
			return nil, 0, fmt.Errorf("rotating %s: %w", l.Path(), err)
		}
	}
}

// firstTime is the time of the file's first record, read from its first
// bytes: every record starts {"rec":…,"id":…,"time":"…".
func firstTime(f *os.File) (time.Time, bool) {
	var head [160]byte
	n, _ := f.ReadAt(head[:], 0)
	line, _, _ := bytes.Cut(head[:n], []byte("\n"))
	_, rest, ok := bytes.Cut(line, []byte(`"time":"`))
	if !ok {
		return time.Time{}, false
	}
	val, _, ok := bytes.Cut(rest, []byte(`"`))
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(val))
	return t, err == nil
}

// Read returns every entry, oldest first, each with its status from its
// completion record. Lines that do not parse (a torn last line) are
// skipped; Skipped counts them.
func (l *Log) Read() (entries []Entry, skipped int, err error) {
	entries, skipped, _, err = l.read()
	return entries, skipped, err
}

// RunStart is the start record of a bulk run: its id and tenant (empty in
// records written before the tenant was recorded).
type RunStart struct {
	Run    string
	Domain string
}

// ReadRuns is Read, with the run start records too, oldest first.
func (l *Log) ReadRuns() (entries []Entry, starts []RunStart, skipped int, err error) {
	entries, skipped, starts, err = l.read()
	return entries, starts, skipped, err
}

// StartRun appends the start record of bulk run run on tenant domain,
// before its first write. Records are dropped oldest first, so while a
// run's start record is in the history, every record of the run is. A
// resumed run records its start again, under the same id.
func (l *Log) StartRun(run, domain string) error {
	line, err := marshalLine(completion{Rec: recRun, ID: run, Time: l.now(), Domain: domain})
	if err != nil {
		return err
	}
	return l.append(line)
}

// RunStarted reports whether the start record of run is still in the
// history: when it is not, the run's oldest writes were rotated away.
func (l *Log) RunStarted(run string) (bool, error) {
	_, _, starts, err := l.read()
	for _, s := range starts {
		if s.Run == run {
			return true, err
		}
	}
	return false, err
}

// LastRun is the bulk run `--run last` means: the one whose start record
// is the newest among the runs on a tenant onTenant accepts (nil: any),
// whether or not it wrote anything. A start record without its tenant
// takes the tenant of the run's writes. With no start record left (all
// rotated away), the run of the newest write of a bulk run counts. ""
// when there is none.
func LastRun(entries []Entry, starts []RunStart, onTenant func(domain string) bool) string {
	ok := func(d string) bool { return onTenant == nil || onTenant(d) }
	var domainOf map[string]string
	for i := len(starts) - 1; i >= 0; i-- {
		s := starts[i]
		d := s.Domain
		if d == "" {
			if domainOf == nil {
				domainOf = map[string]string{}
				for _, e := range entries {
					if _, seen := domainOf[e.Run]; e.Run != "" && !seen {
						domainOf[e.Run] = e.Domain
					}
				}
			}
			d = domainOf[s.Run]
		}
		if ok(d) {
			return s.Run
		}
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.Run != "" && ok(e.Domain) {
			return e.Run
		}
	}
	return ""
}

func (l *Log) read() (entries []Entry, skipped int, starts []RunStart, err error) {
	byID := map[string]int{}
	for _, p := range []string{l.rotatedPath(), l.Path()} {
		n, err := readFile(p, &entries, byID, &starts)
		skipped += n
		if err != nil {
			return nil, skipped, nil, err
		}
	}
	return entries, skipped, starts, nil
}

func readFile(path string, entries *[]Entry, byID map[string]int, starts *[]RunStart) (skipped int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, rerr := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if !apply(line, entries, byID, starts) {
				skipped++
			}
		}
		if rerr == io.EOF {
			return skipped, nil
		}
		if rerr != nil {
			return skipped, fmt.Errorf("history: reading %s: %w", path, rerr)
		}
	}
}

// apply folds one line into the entries; false when it is not a record.
func apply(line []byte, entries *[]Entry, byID map[string]int, starts *[]RunStart) bool {
	var rec record
	if json.Unmarshal(line, &rec) != nil || rec.ID == "" {
		return false
	}
	switch rec.Rec {
	case recIntent:
		if rec.Kind == "" || rec.Target == "" || rec.Field == "" {
			return false
		}
		rec.Entry.Status = StatusPending
		byID[rec.ID] = len(*entries)
		*entries = append(*entries, rec.Entry)
	case recRun:
		*starts = append(*starts, RunStart{Run: rec.ID, Domain: rec.Domain})
	case recDone, recFailed, recUnknown:
		i, ok := byID[rec.ID]
		if !ok {
			return true // its intent was rotated away
		}
		e := &(*entries)[i]
		e.Status, e.Error = rec.Rec, rec.Error
	default:
		return false
	}
	return true
}

// Find returns the entry whose id is id or starts with it (at least 4
// characters, and only one entry).
func Find(entries []Entry, id string) (Entry, error) {
	var found []Entry
	for _, e := range entries {
		if e.ID == id {
			return e, nil
		}
		if len(id) >= 4 && strings.HasPrefix(e.ID, id) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return Entry{}, errNotFound(id)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, e := range found {
		ids[i] = e.ID
	}
	return Entry{}, &AmbiguousError{Prefix: id, IDs: ids}
}

// NotFoundError is an id that no entry has.
type NotFoundError struct{ ID string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no history entry %q (see a0meta history)", e.ID)
}

func errNotFound(id string) error { return &NotFoundError{ID: id} }

// AmbiguousError is an id prefix several entries share.
type AmbiguousError struct {
	Prefix string
	IDs    []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("history id %q is ambiguous: %s", e.Prefix, strings.Join(e.IDs, ", "))
}

type tagsKey struct{}

// Tags mark the writes made under a context: the bulk run they belong to,
// or the entry an undo reverts.
type Tags struct {
	Run    string
	Undoes string
}

// WithTags returns a context whose recorded writes carry t.
func WithTags(ctx context.Context, t Tags) context.Context {
	return context.WithValue(ctx, tagsKey{}, t)
}

// TagsFrom returns the tags of ctx.
func TagsFrom(ctx context.Context) Tags {
	t, _ := ctx.Value(tagsKey{}).(Tags)
	return t
}
