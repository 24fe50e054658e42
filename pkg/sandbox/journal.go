package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/a0meta/a0meta/pkg/fsutil"
	"github.com/tidwall/gjson"
)

// With a DataFile, every change is appended to DataFile+".journal" and
// fsynced before it is answered, so an acknowledged write survives a crash
// or kill -9 without rewriting the whole state per write. Open replays the
// journal onto the snapshot (DataFile); Save compacts: it writes the
// snapshot and empties the journal. Each record is one line holding a whole
// resource (or a deletion), so replaying a record twice is harmless.
//
//	{"u":{user}}      user put
//	{"du":"user_id"}  user deleted
//	{"c":{client}}    client put (replaced in place, or added at the end)
//	{"dc":"client_id"} client deleted

// DefaultCompactBytes is the journal size past which MaybeCompact compacts.
const DefaultCompactBytes = 32 << 20

// ErrCorrupt is wrapped by Open's error when the state file or its journal
// cannot be read as a sandbox state.
var ErrCorrupt = errors.New("damaged")

func journalPath(dataFile string) string { return dataFile + ".journal" }

func (s *Server) putUser(u object) {
	s.st.put(u)
	s.record(`{"u":` + string(u.encode(userOrder, nil)) + "}")
}

func (s *Server) removeUser(id string) {
	if s.st.remove(id) {
		s.record(`{"du":` + quote(id) + "}")
	}
}

func (s *Server) putClient(c object) {
	if i, _ := s.st.client(c.str("client_id")); i >= 0 {
		s.st.clients[i] = c
	} else {
		s.st.clients = append(s.st.clients, c)
	}
	s.record(`{"c":` + string(c.encode(clientOrder, nil)) + "}")
}

func (s *Server) removeClient(id string) {
	if i, c := s.st.client(id); c != nil {
		s.st.clients = append(s.st.clients[:i], s.st.clients[i+1:]...)
		s.record(`{"dc":` + quote(id) + "}")
	}
}

// record notes a change (s.mu held) and appends it to the journal; the
// router fsyncs it before answering.
func (s *Server) record(line string) {
	s.gen++
	if s.journal == nil || s.jerr != nil {
		return
	}
	n, err := io.WriteString(s.journal, line+"\n")
	s.jsize += int64(n)
	if err != nil {
		s.jerr = err
	}
}

// syncJournal makes what was recorded durable. It is called without s.mu,
// so other requests go on during the fsync. A compaction in between is
// harmless: the snapshot it wrote (and synced) holds the change.
func (s *Server) syncJournal() error {
	s.mu.Lock()
	j, err := s.journal, s.jerr
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if j == nil {
		return nil
	}
	return j.Sync()
}

// openJournal opens the journal for appending (s.mu held or not yet shared).
func (s *Server) openJournal() error {
	if err := os.MkdirAll(filepath.Dir(s.opts.DataFile), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(journalPath(s.opts.DataFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	s.journal, s.jsize, s.jerr = f, st.Size(), nil
	return nil
}

// compactLocked writes the snapshot and empties the journal (s.mu held).
func (s *Server) compactLocked() error {
	if s.opts.DataFile == "" || (s.gen == s.savedGen && s.jsize == 0) {
		return nil
	}
	if err := fsutil.WriteFileAtomic(s.opts.DataFile, s.st.marshal()); err != nil {
		return err
	}
	s.savedGen = s.gen
	if s.journal != nil {
		// The snapshot holds everything journaled; start the journal afresh.
		if err := s.journal.Truncate(0); err != nil {
			return err
		}
		s.jsize, s.jerr = 0, nil
	}
	return nil
}

// MaybeCompact compacts when the journal has grown past CompactBytes.
func (s *Server) MaybeCompact() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.opts.CompactBytes
	if limit <= 0 {
		limit = DefaultCompactBytes
	}
	if s.jsize < limit {
		return nil
	}
	return s.compactLocked()
}

// Release closes the journal, compacting only when it has grown past
// CompactBytes: the next Open replays it. A short-lived user of a large
// state (one command of the built-in sandbox) so never rewrites it whole.
func (s *Server) Release() error {
	err := s.MaybeCompact()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journal != nil {
		if cerr := s.journal.Close(); err == nil {
			err = cerr
		}
		s.journal = nil
	}
	return err
}

// Close compacts the state and closes the journal.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.compactLocked()
	if s.journal != nil {
		if cerr := s.journal.Close(); err == nil {
			err = cerr
		}
		s.journal = nil
	}
	return err
}

// replay applies the journal to st. It returns how many records it
// applied, how many bytes of the file to keep, and whether the last kept
// record lacks its newline. A torn last line (a write cut short, never
// acknowledged) is dropped; any other bad line makes the state corrupt.
func replay(st *state, path string) (n int, keep int64, needNewline bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	pos, line := 0, 0
	for pos < len(data) {
		line++
		rec, next := data[pos:], len(data)
		end := bytes.IndexByte(rec, '\n')
		last := end < 0
		if !last {
			rec, next = rec[:end], pos+end+1
		}
		if len(rec) > 0 {
			if err := apply(st, rec); err != nil {
				if last {
					return n, int64(pos), false, nil
				}
				return n, 0, false, fmt.Errorf("%w: %s line %d: %v", ErrCorrupt, path, line, err)
			}
			n++
			needNewline = last
		}
		pos = next
	}
	return n, int64(len(data)), needNewline, nil
}

func apply(st *state, rec []byte) error {
	if !gjson.ValidBytes(rec) {
		return errors.New("not JSON")
	}
	r := gjson.ParseBytes(rec)
	switch {
	case r.Get("u").IsObject():
		u, _ := objectOf(r.Get("u"))
		if u.str("user_id") == "" {
			return errors.New("user without user_id")
		}
		st.put(u)
	case r.Get("du").Type == gjson.String:
		st.remove(r.Get("du").Str)
	case r.Get("c").IsObject():
		c, _ := objectOf(r.Get("c"))
		if c.str("client_id") == "" {
			return errors.New("client without client_id")
		}
		if i, _ := st.client(c.str("client_id")); i >= 0 {
			st.clients[i] = c
		} else {
			st.clients = append(st.clients, c)
		}
	case r.Get("dc").Type == gjson.String:
		if i, c := st.client(r.Get("dc").Str); c != nil {
			st.clients = append(st.clients[:i], st.clients[i+1:]...)
		}
	default:
		return errors.New("unknown record")
	}
	return nil
}
