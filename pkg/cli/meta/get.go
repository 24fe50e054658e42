package meta

import (
	"context"
	"fmt"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
	"github.com/spf13/cobra"
)

// GetOptions are the parsed flags and arguments of `meta get`.
type GetOptions struct {
	common
	Paths []metapath.Path
}

// NewCmdGet returns `meta get`; runF replaces the real run in tests.
func NewCmdGet(f *cmdutil.Factory, noun Noun, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{common: newCommon(f, noun)}
	example := `  # the whole user_metadata, pretty-printed
  a0meta user meta get jane.doe@example.com

  # one value, unquoted, for a shell variable
  plan=$(a0meta user meta get 'auth0|jane1' plan --app -o raw)

  # several values, one compact JSON value a line
  a0meta user meta get 'auth0|jane1' hobby addresses.home`
	if noun == Client {
		example = `  a0meta client meta get myclientid123
  a0meta client meta get myclient mycolor -o raw`
	}
	cmd := &cobra.Command{
		Use:   fmt.Sprintf("get %s [PATH...]", noun.target()),
		Short: "Print metadata, or the values at the given paths",
		Long: `Print the whole metadata field as JSON, or the value at each PATH.

With no PATH the field is printed as an indented JSON object ({} when empty).
With one PATH its value is printed the same way; with several, one compact JSON
value a line, in order. If any PATH is not there, nothing is printed on stdout,
the missing paths are named on stderr and the exit code is 3.

` + noun.targetHelp(),
		Example: example,
		Args:    cmdutil.MinimumArgs(1, noun.target()),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.begin(args, getFormats); err != nil {
				return err
			}
			for _, a := range args[1:] {
				p, err := metapath.Parse(a)
				if err != nil {
					return err
				}
				opts.Paths = append(opts.Paths, p)
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = completion.MetaArgs(f, noun == Client, completion.PathArgs)
	addAppFlag(cmd, noun, &opts.App)
	addOutputFlag(cmd, &opts.Output, "json", "Output format: "+formatList(getFormats), getFormats)
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	api, err := opts.API()
	if err != nil {
		return err
	}
	res, err := metaops.Get(ctx, api, opts.kind(), opts.Target, opts.Paths)
	if err != nil {
		return err
	}
	out := opts.IO.Out
	switch len(opts.Paths) {
	case 0:
		return printValue(out, res.Doc, opts.Output, false)
	case 1:
		return printValue(out, res.Values[0], opts.Output, false)
	}
	for i, v := range res.Values {
		if opts.Output == "yaml" && i > 0 {
			fmt.Fprintln(out, "---")
		}
		if err := printValue(out, v, opts.Output, true); err != nil {
			return err
		}
	}
	return nil
}

// printValue writes one JSON value in the chosen format, then a newline.
func printValue(w interface{ Write([]byte) (int, error) }, raw []byte, format string, compact bool) error {
	var b []byte
	switch format {
	case "raw":
		b = render.Raw(raw)
	case "yaml":
		y, err := render.YAML(raw)
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	default:
		if compact {
			b = render.Compact(raw)
		} else {
			b = render.Pretty(raw)
		}
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}
