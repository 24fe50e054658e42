package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Local is a sandbox served in-process on a loopback port for the duration
// of one command (the built-in sandbox profile). It holds the state file's
// lock from start to Close, so concurrent commands take turns. Every write
// is in the journal before it is answered, so a command killed after its
// change was reported (SIGPIPE, kill -9) never loses it.
type Local struct {
	URL    string
	Server *Server

	hs   *http.Server
	lock *Held
}

// StartLocal locks dataFile, loads (or seeds) it and serves it on
// 127.0.0.1 at an ephemeral port. Tokens are issued for the stable virtual
// audience, so they are cached across runs like a real tenant's. While
// another process holds the lock it waits, calling onWait (when not nil)
// after WaitNotice, and gives up with ctx's error when ctx ends.
func StartLocal(ctx context.Context, dataFile string, onWait func()) (*Local, error) {
	lock, err := LockContext(ctx, dataFile, onWait)
	if err != nil {
		return nil, err
	}
	srv, err := Open(Options{DataFile: dataFile, Seed: true, Audiences: []string{VirtualAudience}, MaxRequests: 1000})
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		lock.Unlock()
		return nil, err
	}
	l := &Local{
		URL:    "http://" + ln.Addr().String(),
		Server: srv,
		hs:     &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		lock:   lock,
	}
	go l.hs.Serve(ln)
	return l, nil
}

// Close stops serving, closes the journal (compacting it only when it has
// grown large, so a command never rewrites a big state whole) and releases
// the lock.
func (l *Local) Close() error {
	err := l.hs.Close()
	if serr := l.Server.Release(); serr != nil {
		err = serr
	}
	if uerr := l.lock.Unlock(); err == nil {
		err = uerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
