package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/gofrs/flock"
)

// JournalHeader is the first line of a journal: what run it belongs to.
// A journal is only resumed by the same operation on the same tenant.
type JournalHeader struct {
	Version   int    `json:"a0meta_journal"`
	Tenant    string `json:"tenant"`
	Operation string `json:"operation"` // fingerprint of field, verb and edits
	Command   string `json:"command"`   // human-readable, for the error message
	// Run is the history run id of the run, kept when it is resumed so
	// that undo --run reverts all of it. Journals written before it was
	// recorded have none: each resume of those gets a new id.
	Run string `json:"run,omitempty"`
}

const journalVersion = 1

// journalEntry is one finished user.
type journalEntry struct {
	Input  string `json:"input,omitempty"`
	UserID string `json:"user_id,omitempty"`
	Status Status `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Journal appends one line per finished user to a file, so a rerun of the
// same command skips the users already changed or found unchanged. Lines
// are written and fsynced in batches by one goroutine; Close flushes.
// A torn last line (the process died mid-write) is dropped on open.
type Journal struct {
	path string
	f    *os.File
	lock *flock.Flock
	done map[string]struct{} // user_ids and target keys already done
	// Run is the run id: the journal's, or the one OpenJournal was given.
	Run string

	ch      chan journalEntry
	stopped chan struct{}
	mu      sync.Mutex
	err     error
}

// OpenJournal opens or creates the journal at path for the run described
// by h. An existing journal of another operation or tenant is refused, and
// so is one another a0meta run holds: the journal is locked (through
// FILE.lock beside it, which stays) until Close. Lines are appended
// (O_APPEND) so no write lands over another.
func OpenJournal(path string, h JournalHeader) (*Journal, error) {
	h.Version = journalVersion
	// The lock comes first: opening drops a torn last line, which may be
	// the line another run is writing.
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	locked, err := lock.TryLock()
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "locking the journal")
	}
	if !locked {
		return nil, failure.Usagef("journal %s is in use by another a0meta run", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		lock.Close()
		return nil, failure.Wrap(failure.Usage, err, "opening the journal")
	}
	j := &Journal{path: path, f: f, lock: lock, done: make(map[string]struct{}), Run: h.Run}
	fail := func(err error) (*Journal, error) {
		f.Close()
		lock.Close()
		return nil, err
	}
	keep, hasHeader, err := j.load(h)
	if err != nil {
		return fail(err)
	}
	if err := f.Truncate(keep); err != nil {
		return fail(fmt.Errorf("journal %s: dropping a torn last line: %w", path, err))
	}
	if !hasHeader {
		b, _ := json.Marshal(h)
		if _, err := f.Write(append(b, '\n')); err == nil {
			err = f.Sync()
		}
		if err != nil {
			return fail(fmt.Errorf("journal %s: %w", path, err))
		}
	}
	j.ch = make(chan journalEntry, 1024)
	j.stopped = make(chan struct{})
	go j.writer()
	return j, nil
}

// load reads what the file holds: it checks the header and collects the
// users done. keep is the length of the complete lines.
func (j *Journal) load(want JournalHeader) (keep int64, hasHeader bool, err error) {
	br := bufio.NewReader(j.f)
	var off int64
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return 0, false, fmt.Errorf("reading the journal %s: %w", j.path, rerr)
		}
		complete := rerr == nil
		if !complete {
			// No newline: a torn write, unless it is a whole valid entry.
			if len(bytes.TrimSpace(line)) == 0 || !json.Valid(line) {
				return off, hasHeader, nil
			}
		}
		body := bytes.TrimSpace(line)
		if n == 1 {
			var h JournalHeader
			if json.Unmarshal(body, &h) != nil || h.Version == 0 {
				return 0, false, failure.Usagef("%s is not an a0meta journal (first line: %.80q); give a new file to --journal", j.path, body)
			}
			if h.Version != journalVersion {
				return 0, false, failure.Usagef("journal %s has version %d; this a0meta writes version %d", j.path, h.Version, journalVersion)
			}
			if h.Tenant != want.Tenant || h.Operation != want.Operation {
				this := want.Command
				if h.Command == want.Command && h.Operation != want.Operation {
					this += " with other values"
				}
				return 0, false, failure.Usagef("journal %s records another run (%s on %s), not this one (%s on %s): give a new file to --journal", j.path, h.Command, h.Tenant, this, want.Tenant)
			}
			if h.Run != "" {
				j.Run = h.Run
			}
			hasHeader = true
		} else if len(body) > 0 {
			var e journalEntry
			if err := json.Unmarshal(body, &e); err != nil {
				if !complete {
					return off, hasHeader, nil
				}
				return 0, false, failure.Usagef("journal %s: line %d is not a journal entry: %v", j.path, n, err)
			}
			// A skipped entry is an input that named a user already
			// done in that run (a run does not journal the users it
			// skips because an earlier journal holds them).
			if e.Status == Changed || e.Status == Unchanged || e.Status == Skipped {
				if e.UserID != "" {
					j.done[e.UserID] = struct{}{}
				}
				if e.Input != "" {
					j.done[targetKey(e.Input)] = struct{}{}
				}
			}
		}
		off += int64(len(line))
		if !complete {
			// A valid entry without its newline: keep it, add the
			// newline (at the end: the file is opened to append).
			if _, err := j.f.Write([]byte{'\n'}); err != nil {
				return 0, false, fmt.Errorf("journal %s: %w", j.path, err)
			}
			return off + 1, hasHeader, nil
		}
	}
}

// Done reports whether the journal records key (a user_id, or a target's
// Key) as done: changed, unchanged, or the same user as a done one.
func (j *Journal) Done(key string) bool {
	_, ok := j.done[key]
	return ok
}

// DoneCount is how many keys the journal holds as done.
func (j *Journal) DoneCount() int { return len(j.done) }

// Record queues r for writing.
func (j *Journal) Record(r Result) {
	e := journalEntry{Input: r.Input, UserID: r.UserID, Status: r.Status}
	if r.Err != nil {
		e.Error = r.Err.Error()
	}
	j.ch <- e
}

func (j *Journal) writer() {
	defer close(j.stopped)
	w := bufio.NewWriter(j.f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for e := range j.ch {
		_ = enc.Encode(e)
		// Group commit: take whatever else is already queued.
	drain:
		for {
			select {
			case e2, ok := <-j.ch:
				if !ok {
					break drain
				}
				_ = enc.Encode(e2)
			default:
				break drain
			}
		}
		err := w.Flush()
		if err == nil {
			err = j.f.Sync()
		}
		if err != nil {
			j.setErr(err)
		}
	}
}

func (j *Journal) setErr(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
}

// Close writes what is queued, syncs and closes the file.
func (j *Journal) Close() error {
	if j.ch == nil {
		return nil
	}
	close(j.ch)
	<-j.stopped
	j.ch = nil
	err := j.f.Close()
	// After the file: the next run opens it whole.
	lerr := j.lock.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.err, err, lerr)
}
