// Package failure carries the exit status of an error from the layer that
// knows what went wrong to the one place (the cli) that turns it into an exit
// code, without the lower layers knowing about processes.
package failure

import (
	"errors"
	"fmt"
)

// Code is a process exit code, as documented in the command-line contract.
type Code int

const (
	OK          Code = 0
	General     Code = 1 // server error after retries, a 400 from the server, a bug
	Usage       Code = 2 // invalid input refused before sending, ambiguous target, no tenant
	NotFound    Code = 3 // user, client, email or requested path not there
	Auth        Code = 4 // bad credentials, 401, 403
	RateLimited Code = 5 // 429 still returned after the retries
	Partial     Code = 6 // bulk run in which some targets failed
	Interrupted Code = 130
)

// Coder is implemented by errors that know their exit code.
type Coder interface{ ExitCode() Code }

// HTTPDetail is implemented by errors that carry a server answer, so the
// machine-readable error output can include it.
type HTTPDetail interface {
	HTTPStatus() int
	Auth0ErrorCode() string
}

// Error is a message with an exit code, optionally wrapping a cause.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return "error"
}

func (e *Error) Unwrap() error  { return e.Err }
func (e *Error) ExitCode() Code { return e.Code }

// New returns an error with the given code and formatted message.
func New(code Code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code to err, keeping err reachable through errors.As.
func Wrap(code Code, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Usagef is New(Usage, ...): refused before anything was sent.
func Usagef(format string, args ...any) error { return New(Usage, format, args...) }

// NotFoundf is New(NotFound, ...).
func NotFoundf(format string, args ...any) error { return New(NotFound, format, args...) }

// CodeOf returns the exit code for err: 0 for nil, the nearest Coder in the
// chain, else General.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return General
}
