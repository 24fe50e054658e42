package sandbox

import (
	"errors"
	"net"
	"net/http"
	"time"
)

// Local is a sandbox served in-process on a loopback port for the duration
// of one command (the built-in sandbox profile). It holds the state file's
// lock from start to Close, so concurrent commands take turns.
type Local struct {
	URL    string
	Server *Server

	hs     *http.Server
	unlock func() error
}

// StartLocal locks dataFile, loads (or seeds) it and serves it on
// 127.0.0.1 at an ephemeral port. Tokens are issued for the stable virtual
// audience, so they are cached across runs like a real tenant's.
func StartLocal(dataFile string) (*Local, error) {
	unlock, err := Lock(dataFile)
	if err != nil {
		return nil, err
	}
	srv, err := Open(Options{DataFile: dataFile, Seed: true, Audiences: []string{VirtualAudience}, MaxRequests: 1000})
	if err != nil {
		unlock()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		unlock()
		return nil, err
	}
	l := &Local{
		URL:    "http://" + ln.Addr().String(),
		Server: srv,
		hs:     &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		unlock: unlock,
	}
	go l.hs.Serve(ln)
	return l, nil
}

// Close stops serving, saves the state and releases the lock.
func (l *Local) Close() error {
	err := l.hs.Close()
	if serr := l.Server.Save(); serr != nil {
		err = serr
	}
	if uerr := l.unlock(); err == nil {
		err = uerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
