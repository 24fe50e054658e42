// Package user holds `a0meta user` commands that are not about one user's
// metadata: listing users by search.
package user

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/a0meta/a0meta/pkg/bulk"
	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// ListOptions are the parsed flags of `user list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	API    func() (bulk.Searcher, error)
	Query  string
	Fields []string
	Output string
}

// DefaultListFields are shown when --fields is not given.
var DefaultListFields = []string{"user_id", "email", "created_at"}

// NewCmdList returns `user list`; runF replaces the real run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO}
	opts.API = func() (bulk.Searcher, error) {
		if f.Transport == nil {
			// Paced like a bulk run: a long listing holds the read
			// bucket's rate instead of running into 429s.
			f.Transport = mgmt.GatedTransport(mgmt.PooledTransport(2), bulk.NewPacer())
		}
		c, err := f.Client()
		if err != nil {
			return nil, err
		}
		return PageDeadline(c, f.Global.Deadline), nil
	}
	var fields string
	cmd := &cobra.Command{
		Use:   "list --query LUCENE",
		Short: "List the users a search matches",
		Long: `List every user matching a Lucene query of Auth0's user search (v3), past
Auth0's limit of 1000 results per query: the search is walked in created_at
order, window by window. 1000 or more matching users on one created_at
instant cannot be walked past: that is refused (exit 2), naming the instant;
narrow the query.

On a terminal the users are a table; piped, or with -o json, each user is
one JSON line carrying its user_id, which 'user meta set|unset|clear
--users-from -' reads.

Search results lag writes by a few seconds (Auth0's index is eventually
consistent): use them to pick users, never as the data to write.`,
		Example: `  a0meta user list --query 'app_metadata.plan:"trial"'
  a0meta user list --query 'email:*@example.com' --fields user_id,email,app_metadata -o json

  # pipe the matches into a bulk change
  a0meta user list --query '_exists_:app_metadata.legacy' | a0meta user meta unset --users-from - --app legacy --yes`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Query == "" {
				return failure.Usagef("%s: --query is required (Lucene syntax, e.g. 'app_metadata.plan:\"trial\"'; '*:*' for all users)", cmd.CommandPath())
			}
			if opts.Output != "" {
				if err := cmdutil.OneOf("output", opts.Output, "json", "table"); err != nil {
					return err
				}
			}
			fs, err := parseFields(fields)
			if err != nil {
				return err
			}
			opts.Fields = fs
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Query, "query", "", "Lucene query of the user search, e.g. 'app_metadata.plan:\"trial\"'")
	cmd.Flags().StringVar(&fields, "fields", strings.Join(DefaultListFields, ","), "Root fields to show, comma-separated (user_id is always included)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output format: json (one user a line; the default when stdout is not a terminal) or table")
	return cmd
}

// PageDeadline bounds each page of a search by d (--deadline): a listing
// of many users takes as long as it takes, one page must not.
func PageDeadline(s bulk.Searcher, d time.Duration) bulk.Searcher {
	if d <= 0 {
		return s
	}
	return pageDeadline{s, d}
}

type pageDeadline struct {
	s bulk.Searcher
	d time.Duration
}

func (p pageDeadline) SearchUserPage(ctx context.Context, q mgmt.UserSearch) (*mgmt.UserSearchPage, error) {
	ctx, cancel := mgmt.WithDeadline(ctx, p.d)
	defer cancel()
	return p.s.SearchUserPage(ctx, q)
}

func parseFields(s string) ([]string, error) {
	out := []string{"user_id"}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "" || f == "user_id":
			continue
		case strings.ContainsAny(f, ". \t\"'"):
			return nil, failure.Usagef("invalid --fields entry %q: name root fields of the user, e.g. email,app_metadata", f)
		}
		out = append(out, f)
	}
	return out, nil
}

func listRun(ctx context.Context, opts *ListOptions) error {
	api, err := opts.API()
	if err != nil {
		return err
	}
	table := opts.Output == "table" || opts.Output == "" && opts.IO.StdoutTTY
	out := bufio.NewWriter(opts.IO.Out)
	defer out.Flush()
	asked := make(map[string]bool, len(opts.Fields))
	for _, f := range opts.Fields {
		asked[f] = true
	}
	var tw *tabwriter.Writer
	rows := 0
	if table {
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(opts.Fields, "\t")))
	}
	n := 0
	err = bulk.WalkQuery(ctx, api, opts.Query, opts.Fields, func(u json.RawMessage) error {
		n++
		if table {
			cells := make([]string, len(opts.Fields))
			for i, f := range opts.Fields {
				cells[i] = cell(gjson.GetBytes(u, gjson.Escape(f)))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
			// Flush every page so a long listing streams.
			if rows++; rows%100 == 0 {
				return tw.Flush()
			}
			return nil
		}
		line := []byte(u)
		if !asked["created_at"] {
			// The walk needs created_at; show it only when asked.
			line, _ = sjson.DeleteBytes(line, "created_at")
		}
		var b bytes.Buffer
		if err := json.Compact(&b, line); err != nil {
			return err
		}
		b.WriteByte('\n')
		_, err := out.Write(b.Bytes())
		return err
	})
	if tw != nil {
		tw.Flush()
	}
	if err != nil {
		if ctx.Err() != nil {
			return failure.New(bulk.Interrupted, "interrupted")
		}
		return err
	}
	if opts.IO.StdoutTTY || opts.IO.StderrTTY {
		out.Flush()
		fmt.Fprintf(opts.IO.ErrOut, "%d user(s)\n", n)
	}
	return nil
}

// cell shows a value in a table: strings bare, control characters
// escaped, anything else as compact JSON.
func cell(v gjson.Result) string {
	var s string
	switch v.Type {
	case gjson.Null:
		if !v.Exists() {
			return "-"
		}
		s = "null"
	case gjson.String:
		s = v.Str
	default:
		var b bytes.Buffer
		if json.Compact(&b, []byte(v.Raw)) == nil {
			s = b.String()
		} else {
			s = v.Raw
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
