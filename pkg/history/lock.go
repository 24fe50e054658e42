package history

import "os"

// lockFile takes an exclusive advisory lock on path (created 0600),
// waiting for other a0meta processes to let go. The lock dies with the
// process, so a crash never leaves it held. The lock file stays on disk:
// the history file itself is renamed by rotation and cannot carry it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFD(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = unlockFD(f)
		f.Close()
	}, nil
}
