package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

const isWindows = runtime.GOOS == "windows"

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("sandbox state is locked by another process")

// Lock takes an exclusive advisory lock on dataFile+".lock", waiting for
// other holders (other a0meta processes using the same sandbox state) to let
// go. The directory is created (0700) if needed. The lock dies with the
// process, so a crash never leaves it held.
func Lock(dataFile string) (unlock func() error, err error) {
	return lockFile(dataFile, true)
}

// TryLock is Lock without waiting: ErrLocked when someone holds it.
func TryLock(dataFile string) (unlock func() error, err error) {
	return lockFile(dataFile, false)
}

func lockFile(dataFile string, wait bool) (func() error, error) {
	path := dataFile + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFD(f, wait); err != nil {
		f.Close()
		return nil, err
	}
	// The lock file stays on disk: removing it would let a waiter lock an
	// unlinked inode while a newcomer locks a fresh file.
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			uerr = unlockFD(f)
			if cerr := f.Close(); uerr == nil {
				uerr = cerr
			}
		})
		return uerr
	}, nil
}
