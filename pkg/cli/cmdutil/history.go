package cmdutil

import (
	"context"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/history"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/spf13/cobra"
)

// HistoryLog is the history file of this run (recording or not).
func (f *Factory) HistoryLog(s *config.Settings) (*history.Log, error) {
	dir, err := config.StateDir(f.Env)
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "cannot find the state directory for the history")
	}
	hs := history.DefaultSettings()
	if s != nil {
		hs.Enabled = !s.History.Disabled
		if s.History.MaxSizeMB > 0 {
			hs.MaxSizeMB = s.History.MaxSizeMB
		}
		if s.History.MaxAgeDays > 0 {
			hs.MaxAgeDays = s.History.MaxAgeDays
		}
	}
	return &history.Log{Dir: dir, Settings: hs}, nil
}

// Recorder is the run's metaops.Recorder. It resolves the settings when the
// first write is about to be sent: it records unless --no-history or the
// config file's history.enabled says not to, and refuses every write on a
// read_only profile (the commands refuse earlier; this is the backstop at
// the one place where PATCHes are sent).
func (f *Factory) Recorder() metaops.Recorder { return factoryRecorder{f} }

type factoryRecorder struct{ f *Factory }

func (r factoryRecorder) Record(ctx context.Context, w metaops.Write) (func(error), error) {
	f := r.f
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if s.ReadOnly {
		return nil, readOnlyError(s)
	}
	if f.Global.NoHistory || s.History.Disabled {
		return func(error) {}, nil
	}
	log, err := f.HistoryLog(s)
	if err != nil {
		return nil, err
	}
	rec := &history.Recorder{Log: log, Profile: s.Profile, Domain: s.Domain.Value,
		Warn: func(msg string) { Warn(f.IO.ErrOut, msg) }}
	return rec.Record(ctx, w)
}

// StartRun records the start of bulk run run in the history, when this
// run records (a warning otherwise: the writes themselves are refused
// when they cannot be recorded).
func (f *Factory) StartRun(run string) {
	s, err := f.Settings()
	if err != nil || s.ReadOnly || f.Global.NoHistory || s.History.Disabled {
		return
	}
	log, err := f.HistoryLog(s)
	if err == nil {
		err = log.StartRun(run, s.Domain.Value)
	}
	if err != nil {
		Warn(f.IO.ErrOut, fmt.Sprintf("the start of bulk run %s was not recorded: %v", run, err))
	}
}

// The write annotation marks commands that change a tenant: the profile's
// guard rails apply to them.
const (
	writeAnnotation = "a0meta/write"
	// asksItself: the command already asks on a terminal (clear).
	asksItself = "asks"
)

// MarkWrite marks cmd as a write. asks says the command prompts on a
// terminal by itself, so a confirm profile need not ask twice.
func MarkWrite(cmd *cobra.Command, asks bool) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[writeAnnotation] = "true"
	if asks {
		cmd.Annotations[writeAnnotation] = asksItself
	}
}

// IsWrite reports whether cmd is marked as a write.
func IsWrite(cmd *cobra.Command) bool { return cmd.Annotations[writeAnnotation] != "" }

// AddYesFlags gives every write command under root a --yes flag, which a
// profile with confirm: true asks for when there is no terminal.
func AddYesFlags(root *cobra.Command) {
	for _, c := range root.Commands() {
		AddYesFlags(c)
	}
	if IsWrite(root) && root.Flags().Lookup("yes") == nil {
		root.Flags().BoolP("yes", "y", false, "Do not ask for confirmation (profiles with confirm: true ask before every write)")
	}
}

// ErrCancelled is a write the user declined at a prompt: nothing was sent.
// It exits 2, like a write refused for want of --yes, so that
// `a0meta … && next-step` does not go on as if the change was made.
var ErrCancelled = failure.New(failure.Usage, "cancelled at the prompt; nothing sent")

// CheckGuards applies the profile's guard rails to a write command before
// any request: read_only refuses it (exit 2, naming the profile); confirm
// asks on a terminal and otherwise wants --yes. A dry run writes nothing
// and passes both.
func (f *Factory) CheckGuards(cmd *cobra.Command) error {
	if !IsWrite(cmd) || flagTrue(cmd, "dry-run") {
		return nil
	}
	s, err := f.Settings()
	if err != nil {
		return nil // the command reports it before any request
	}
	if s.ReadOnly {
		return readOnlyError(s)
	}
	if !s.Confirm || flagTrue(cmd, "yes") {
		return nil
	}
	if !f.IO.StdinTTY {
		return failure.Usagef("profile %q asks before every write (confirm: true in %s): pass --yes (stdin is not a terminal, so a0meta cannot ask); nothing was sent",
			s.Profile, s.ConfigFile)
	}
	// clear and bulk runs ask by themselves.
	if cmd.Annotations[writeAnnotation] == asksItself || flagSet(cmd, "users-from") || flagSet(cmd, "query") || flagSet(cmd, "run") {
		return nil
	}
	fmt.Fprintf(f.IO.ErrOut, "Profile %q asks before every write: run %q on %s? [y/N] ", s.Profile, cmd.CommandPath(), f.whereFrom(s))
	ok, err := readYes(f)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCancelled
	}
	return nil
}

func (f *Factory) whereFrom(s *config.Settings) string {
	if s.Profile != "" {
		return fmt.Sprintf("%s (profile %s)", s.Domain.Value, s.Profile)
	}
	return s.Domain.Value
}

func readOnlyError(s *config.Settings) error {
	return failure.Usagef("profile %q is read-only (read_only: true in %s): it refuses every write; nothing was sent", s.Profile, s.ConfigFile)
}

func flagSet(cmd *cobra.Command, name string) bool {
	fl := cmd.Flags().Lookup(name)
	return fl != nil && fl.Value.String() != ""
}

func flagTrue(cmd *cobra.Command, name string) bool {
	fl := cmd.Flags().Lookup(name)
	return fl != nil && fl.Value.String() == "true"
}

func readYes(f *Factory) (bool, error) {
	var line []byte
	var b [1]byte
	for {
		n, err := f.IO.In.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		if err != nil {
			break
		}
	}
	answer := strings.ToLower(strings.TrimSpace(string(line)))
	return answer == "y" || answer == "yes", nil
}

// Tokens is the token provider of the API client (nil before API).
func (f *Factory) Tokens() mgmt.TokenProvider { return f.tokens }
