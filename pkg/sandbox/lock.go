package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

const isWindows = runtime.GOOS == "windows"

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("sandbox state is locked by another process")

// WaitNotice is how long LockContext waits before calling onWait.
const WaitNotice = time.Second

// Lock takes an exclusive advisory lock on dataFile+".lock", waiting for
// other holders (other a0meta processes using the same sandbox state) to let
// go. The directory is created (0700) if needed. The lock dies with the
// process, so a crash never leaves it held.
func Lock(dataFile string) (unlock func() error, err error) {
	h, err := LockContext(context.Background(), dataFile, nil)
	if err != nil {
		return nil, err
	}
	return h.Unlock, nil
}

// TryLock is Lock without waiting: ErrLocked when someone holds it.
func TryLock(dataFile string) (unlock func() error, err error) {
	h, err := lockFile(dataFile)
	if err != nil {
		return nil, err
	}
	return h.Unlock, nil
}

// LockContext is Lock that gives up with ctx's error when ctx ends, and
// calls onWait (when not nil) once it has waited WaitNotice.
func LockContext(ctx context.Context, dataFile string, onWait func()) (*Held, error) {
	var notice <-chan time.Time
	if onWait != nil {
		t := time.NewTimer(WaitNotice)
		defer t.Stop()
		notice = t.C
	}
	// Polling, rather than a blocking flock, keeps the wait interruptible.
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		h, err := lockFile(dataFile)
		if !errors.Is(err, ErrLocked) {
			return h, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-notice:
			onWait()
		case <-tick.C:
		}
	}
}

// Held is a lock on a sandbox state file.
type Held struct {
	f    *os.File
	once sync.Once
	err  error
}

// Unlock releases the lock; the lock file stays. It may be called again.
func (h *Held) Unlock() error { return h.release(false) }

// UnlockRemove removes the lock file, then releases the lock. Waiters that
// opened the removed file notice it and lock the path afresh.
func (h *Held) UnlockRemove() error { return h.release(!isWindows) }

func (h *Held) release(remove bool) error {
	h.once.Do(func() {
		if remove {
			os.Remove(h.f.Name())
		}
		h.err = unlockFD(h.f)
		if cerr := h.f.Close(); h.err == nil {
			h.err = cerr
		}
	})
	return h.err
}

// lockFile tries once to lock dataFile+".lock" (ErrLocked if held).
func lockFile(dataFile string) (*Held, error) {
	path := dataFile + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if err := lockFD(f, false); err != nil {
			f.Close()
			return nil, err
		}
		// A holder may have removed the file between our open and our
		// lock: then we hold a lock nobody else can see. Start again.
		st, err1 := f.Stat()
		cur, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(st, cur) {
			return &Held{f: f}, nil
		}
		unlockFD(f)
		f.Close()
		if err2 != nil && !errors.Is(err2, os.ErrNotExist) {
			return nil, err2
		}
	}
}
