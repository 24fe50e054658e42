package meta

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// SetOptions are the parsed flags and arguments of `meta set`.
type SetOptions struct {
	writeOptions
	// Assignments in the order given, file values already read.
	Assignments []metapath.Assignment
}

// change is the write of the assignments to one target.
func (o *SetOptions) change(target string) metaops.Change {
	ops := make([]metaedit.Op, len(o.Assignments))
	for i, a := range o.Assignments {
		ops[i] = metaedit.SetOp(a)
	}
	return metaops.Change{Kind: o.kind(), Target: target, Ops: ops}
}

func setRun(ctx context.Context, opts *SetOptions) error {
	return opts.write(ctx, opts.change(opts.Target), nil)
}

// fileSpec is a --value-file or --json-file flag, with how many positional
// arguments preceded it, so assignments keep command-line order.
type fileSpec struct {
	spec string
	kind metapath.AssignKind
	seen int
}

type fileFlag struct {
	typ   string // PATH=FILE, or KEY=FILE for clients
	kind  metapath.AssignKind
	specs *[]fileSpec
	fs    *pflag.FlagSet
	vals  []string
}

func (v *fileFlag) String() string { return strings.Join(v.vals, ",") }
func (v *fileFlag) Type() string   { return v.typ }
func (v *fileFlag) Set(s string) error {
	v.vals = append(v.vals, s)
	*v.specs = append(*v.specs, fileSpec{spec: s, kind: v.kind, seen: len(v.fs.Args())})
	return nil
}

// NewCmdSet returns `meta set`; runF replaces the real run in tests.
func NewCmdSet(f *cmdutil.Factory, noun Noun, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{writeOptions: writeOptions{common: newCommon(f, noun)}}
	var specs []fileSpec
	var bf bulkFlags
	example := `  # the seed page's example: add a work address, keeping the home one
  a0meta user meta set jane.doe@example.com addresses.work="100 Industrial Way, Anytown, ST 12345"

  # typed JSON values with :=
  a0meta user meta set 'auth0|jane1' age:=42 beta:=true 'tags:=["a","b"]'

  # app_metadata, appending to an array
  a0meta user meta set 'auth0|jane1' --app roles.-1=admin

  # keep personal data out of shell history
  a0meta user meta set 'auth0|jane1' --value-file notes=./notes.txt

  # review the exact PATCH body without sending it
  a0meta user meta set 'auth0|jane1' plan=pro --app --dry-run`
	if noun == Client {
		example = `  a0meta client meta set myclientid123 mycolor=blue
  a0meta client meta set myclient region=eu-west --dry-run`
	}
	use, long, what := fmt.Sprintf("set %s ASSIGNMENT...", noun.target()), userSetLong, "PATH"
	short, nothing := "Set values at paths, keeping everything else", "PATH=VALUE, PATH:=JSON, --value-file or --json-file"
	if noun == Client {
		use, long, what = "set CLIENT KEY=VALUE...", clientSetLong, "KEY"
		short, nothing = "Set string values of keys, keeping the other keys", "KEY=VALUE or --value-file"
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		Args:    bulkArgs(&bf, cmdutil.MinimumArgs(1, noun.target())),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bf.on() {
				return runBulkSet(cmd, f, &opts.writeOptions, &bf, args, specs)
			}
			if err := opts.begin(args, writeFormats); err != nil {
				return err
			}
			as, err := collectAssignments(args[1:], specs, opts.IO.In)
			if err != nil {
				return err
			}
			if len(as) == 0 {
				return failure.Usagef("%s: nothing to set: give %s", cmd.CommandPath(), nothing)
			}
			opts.Assignments = as
			if runF != nil {
				return runF(opts)
			}
			return setRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = completion.MetaArgs(f, noun == Client, completion.AssignArgs)
	addAppFlag(cmd, noun, &opts.App)
	addWriteFlags(cmd, &opts.writeOptions)
	addBulkFlags(cmd, noun, &bf, nil)
	cmd.Flags().Var(&fileFlag{typ: what + "=FILE", kind: metapath.String, specs: &specs, fs: cmd.Flags()}, "value-file", "Set "+what+" to the text of FILE (- for stdin), one trailing newline dropped (repeatable)")
	cmd.Flags().Var(&fileFlag{typ: "PATH=FILE", kind: metapath.JSON, specs: &specs, fs: cmd.Flags()}, "json-file", "Set PATH to the JSON in FILE (- for stdin) (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("value-file", completion.FileAssignment(f, noun == Client))
	_ = cmd.RegisterFlagCompletionFunc("json-file", completion.FileAssignment(f, noun == Client))
	if noun == Client {
		// client_metadata takes only strings: --json-file works with a
		// JSON string but is not advertised.
		_ = cmd.Flags().MarkHidden("json-file")
	}
	return cmd
}

const userSetLong = `Set values at dotted paths with one read and one PATCH of only the root keys
that change. USER is a user_id or an email address.

PATH=VALUE stores VALUE as a string (zip=02134 stores "02134").

PATH:=JSON stores the parsed JSON (age:=42, beta:=true, tags:='["a"]').

A whole-number segment indexes an existing array; -1 appends. Where nothing
exists yet, missing objects are created. Values can also come from files:
--value-file PATH=FILE (the text, one trailing newline dropped) and
--json-file PATH=FILE (its JSON); FILE - is stdin. All are applied in
command-line order. Setting a value the field already has sends nothing.`

const clientSetLong = `Set keys of client_metadata with one read and one PATCH of only the keys that
change. CLIENT is a client_id or an exact application name.

KEY=VALUE stores VALUE as a string (region=eu-west). client_metadata is a flat
object of string values: a KEY holds no dots, and there are no arrays or
other JSON types. Auth0 allows at most 10 keys, keys and values of at most 255
characters. --value-file KEY=FILE takes VALUE from FILE (- for stdin), one
trailing newline dropped. Setting a value the field already has sends
nothing.`

// collectAssignments merges positional assignments and file flags in the
// order they were typed. Each fileSpec.seen counts positional arguments,
// the target included, that came before the flag.
func collectAssignments(args []string, specs []fileSpec, stdin io.Reader) ([]metapath.Assignment, error) {
	var out []metapath.Assignment
	stdinUsed := false
	addFiles := func(upTo int, last bool) error {
		for len(specs) > 0 && (last || specs[0].seen-1 <= upTo) {
			a, err := readFileAssignment(specs[0], stdin, &stdinUsed)
			if err != nil {
				return err
			}
			out = append(out, a)
			specs = specs[1:]
		}
		return nil
	}
	for i, s := range args {
		if err := addFiles(i, false); err != nil {
			return nil, err
		}
		a, err := metapath.ParseAssignment(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := addFiles(len(args), true); err != nil {
		return nil, err
	}
	return out, nil
}

func readFileAssignment(s fileSpec, stdin io.Reader, stdinUsed *bool) (metapath.Assignment, error) {
	flag := "--value-file"
	if s.kind == metapath.JSON {
		flag = "--json-file"
	}
	p, file, err := metapath.ParseFileSpec(s.kind, s.spec)
	if err != nil {
		return metapath.Assignment{}, err
	}
	var data []byte
	if file == "-" {
		if *stdinUsed {
			return metapath.Assignment{}, failure.Usagef("%s %q: stdin can be read only once", flag, s.spec)
		}
		*stdinUsed = true
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return metapath.Assignment{}, failure.Usagef("%s %s: %s%s", flag, metapath.Printable(s.spec), metapath.Printable(err.Error()), metapath.FileReadHint(s.kind, p, file))
	}
	if s.kind == metapath.String {
		data = metapath.TrimOneNewline(data)
	} else {
		data = bytes.TrimSpace(data)
	}
	a, err := metapath.NewAssignment(p, s.kind, data)
	if err != nil {
		return metapath.Assignment{}, failure.Wrap(failure.Usage, err, "%s %s", flag, metapath.Printable(s.spec))
	}
	return a, nil
}
