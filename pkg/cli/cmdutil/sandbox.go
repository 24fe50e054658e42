package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// WaitingForSandbox is said on stderr while another a0meta holds the
// sandbox's state file.
const WaitingForSandbox = "waiting for another a0meta using the sandbox"

// LockSandbox takes the lock of a sandbox state file. While another process
// holds it, it says so on errOut after about a second, and an interrupt
// (SIGINT, SIGTERM) or the end of ctx stops the wait with exit code 130.
func LockSandbox(ctx context.Context, errOut io.Writer, file string) (*sandbox.Held, error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := sandbox.LockContext(ctx, file, func() { fmt.Fprintf(errOut, "a0meta: %s (%s)\n", WaitingForSandbox, file) })
	if err != nil {
		return nil, lockError(err)
	}
	return h, nil
}

func lockError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failure.New(failure.Interrupted, "interrupted")
	}
	return err
}

// startSandbox starts the in-process sandbox of the built-in profile.
func startSandbox(errOut io.Writer, file string) (*sandbox.Local, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	local, err := sandbox.StartLocal(ctx, file, func() { fmt.Fprintf(errOut, "a0meta: %s (%s)\n", WaitingForSandbox, file) })
	switch {
	case err == nil:
		return local, nil
	case errors.Is(err, sandbox.ErrCorrupt):
		return nil, failure.New(failure.General, "%v\nrun `a0meta sandbox reset` to start the sandbox tenant afresh (the damaged state is replaced)", err)
	}
	return nil, lockError(err)
}
