package metaops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/mgmt"
)

// UnconfirmedWriteError is a PATCH that was sent but whose outcome is
// unknown: interrupted, out of time, or answered with something that is
// not the target's object. The change may or may not have been applied;
// the message says how to look.
type UnconfirmedWriteError struct {
	Target Target
	Err    *mgmt.UncertainError
}

func (e *UnconfirmedWriteError) Error() string {
	why := e.Err.Err.Error()
	if errors.Is(e.Err.Err, context.Canceled) {
		why = "interrupted after the request was sent"
	}
	return fmt.Sprintf("the change to %s of %s %s may or may not have been applied (%s); check with: %s",
		e.Target.Kind.Field(), e.Target.Kind.Noun(), e.Target.ID, why, CheckCommand(e.Target))
}

func (e *UnconfirmedWriteError) Unwrap() error { return e.Err }

// ExitCode is 130 for an interrupt, else 1.
func (e *UnconfirmedWriteError) ExitCode() failure.Code { return e.Err.ExitCode() }

// CheckCommand is the command that shows the target's field as stored.
func CheckCommand(t Target) string {
	switch t.Kind {
	case ClientMetadata:
		return "a0meta client meta get " + shellQuote(t.ID)
	case AppMetadata:
		return "a0meta user meta get " + shellQuote(t.ID) + " --app"
	}
	return "a0meta user meta get " + shellQuote(t.ID)
}

// shellQuote single-quotes s unless every byte is plainly safe in a shell
// word (user_ids hold '|').
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@%+=:,./-_", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
