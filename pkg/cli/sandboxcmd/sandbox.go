// Package sandboxcmd is `a0meta sandbox`: serve the local emulator of the
// Management API, or reset the state of the built-in sandbox profile.
package sandboxcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/spf13/cobra"
)

// NewCmdSandbox returns `a0meta sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run or reset the local sandbox tenant",
		Long: `The sandbox is a local emulator of the parts of the Auth0 Management API that
a0meta uses, faithful to Auth0's root-level merge, error bodies and limits.

--profile sandbox runs any command against it in-process, with its state kept
in $XDG_DATA_HOME/a0meta/sandbox.json. It starts with the users and
applications of Auth0's metadata page: Jane (auth0|jane1,
jane.doe@example.com) and myclient (myclientid123).`,
		Example: `  a0meta --profile sandbox user meta get jane.doe@example.com
  a0meta sandbox reset
  a0meta sandbox serve --addr 127.0.0.1:0`,
	}
	cmd.AddCommand(NewCmdServe(f, nil), newCmdReset(f), newCmdSeed(f))
	return cmdutil.Group(cmd)
}

// ServeOptions are the flags of `sandbox serve`.
type ServeOptions struct {
	Addr      string
	Data      string
	RateLimit float64
	Burst     int
	Plan      string
	Speedup   float64
	Buckets   []string // GROUP=BURST:RATE
	Faults    float64
	FaultSeed uint64
	Slow      time.Duration
	// Limits is what the rate flags add up to (nil: unlimited).
	Limits sandbox.Limits
}

// NewCmdServe returns `sandbox serve`; runF replaces serving in tests.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	var rate string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the sandbox tenant over HTTP on a loopback address",
		Long: `Serve the sandbox tenant over HTTP for rehearsing runbooks with a0meta, curl
or any other client. It prints its URL and demo credentials and runs until
interrupted. Without --data the state lives in memory, seeded afresh.

With --data, every write is appended to FILE.journal and flushed to disk
before it is answered, so an acknowledged write survives even kill -9; the
journal is folded into FILE now and then and when serve stops. Only one
process uses a state file at a time: a second one says it is waiting.

Rate limits are off unless asked for. --plan gives each rate group the bucket
of an Auth0 plan: professional has read-users (burst 40, 500/min),
write-users (POST/PATCH users; 20, 200/min), clients (5, 100/min) and other
(10, 150/min); enterprise one bucket (50, 16/s); free one bucket (2, 2/s).
--bucket sets one group's bucket, --speedup multiplies every refill rate.
Every answer carries x-ratelimit-limit, x-ratelimit-remaining and
x-ratelimit-reset (UNIX seconds); an empty bucket answers 429.

--faults RATE makes that share of user reads and writes (GET /users,
/users/{id}, /users-by-email, PATCH /users/{id}) fail, evenly: 429, 500, the
connection closed without an answer, or an answer held back for --slow after
the request was carried out. The same --seed gives the same faults.

Requests whose Host is not localhost or a loopback address are answered
400, so a web page cannot reach the sandbox through DNS rebinding.`,
		Example: `  a0meta sandbox serve
  a0meta sandbox serve --addr 127.0.0.1:0 --data ./tenant.json --rate-limit 2/s
  a0meta sandbox serve --plan professional --speedup 100
  a0meta sandbox serve --plan professional --bucket write-users=20:20000/m
  a0meta sandbox serve --faults 0.05 --seed 42 --slow 2s

  # in another shell
  export A0META_DOMAIN=http://127.0.0.1:4280 A0META_CLIENT_ID=a0meta-sandbox
  export A0META_CLIENT_SECRET=sandbox-secret-not-for-production
  a0meta user meta get 'auth0|jane1'`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := parseRate(rate)
			if err != nil {
				return err
			}
			opts.RateLimit = r
			if err := opts.limits(); err != nil {
				return err
			}
			if opts.Faults < 0 || opts.Faults > 1 || math.IsNaN(opts.Faults) {
				return failure.Usagef("invalid --faults %v: want a share of requests from 0 to 1, e.g. 0.05", opts.Faults)
			}
			if opts.Slow <= 0 {
				return failure.Usagef("invalid --slow %v: want a duration above 0, e.g. 3s", opts.Slow)
			}
			host, _, err := net.SplitHostPort(opts.Addr)
			if err != nil {
				return failure.Usagef("invalid --addr %q: %v", opts.Addr, err)
			}
			if !config.IsLoopback(host) {
				return failure.Usagef("invalid --addr %q: the sandbox serves only loopback addresses (127.0.0.1, ::1, localhost): its credentials are public", opts.Addr)
			}
			if runF != nil {
				return runF(opts)
			}
			return serve(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:4280", "Loopback address to listen on (port 0 picks a free one)")
	cmd.Flags().StringVar(&opts.Data, "data", "", "State file to load and keep: every write is journaled before it is answered (default: in memory)")
	cmd.Flags().StringVar(&rate, "rate-limit", "", "Answer 429 past N requests per second, like a real tenant (N/s or N/m)")
	cmd.Flags().IntVar(&opts.Burst, "burst", 0, "Token bucket size for --rate-limit (default: the rate, at least 1)")
	cmd.Flags().StringVar(&opts.Plan, "plan", "", "Rate limits of an Auth0 plan: "+strings.Join(sandbox.PlanNames(), ", ")+" (default: none)")
	cmd.Flags().Float64Var(&opts.Speedup, "speedup", 1, "Multiply every refill rate by N (for tests)")
	cmd.Flags().Float64Var(&opts.Faults, "faults", 0, "Fail this share of user reads and writes (0 to 1): 429, 500, reset connection or slow answer")
	cmd.Flags().Uint64Var(&opts.FaultSeed, "seed", 1, "Seed of the --faults draws (the same seed gives the same faults)")
	cmd.Flags().DurationVar(&opts.Slow, "slow", 3*time.Second, "How long a slow --faults answer is held back")
	cmd.Flags().StringArrayVar(&opts.Buckets, "bucket", nil, "Set one rate group's bucket, GROUP=BURST:RATE with RATE N/s or N/m; groups: "+strings.Join(sandbox.Groups, ", "))
	return cmd
}

// limits turns --plan, --bucket, --rate-limit/--burst and --speedup into
// the sandbox's buckets.
func (opts *ServeOptions) limits() error {
	if opts.Speedup <= 0 || math.IsInf(opts.Speedup, 0) || math.IsNaN(opts.Speedup) {
		return failure.Usagef("invalid --speedup %v: want a number above 0", opts.Speedup)
	}
	if opts.RateLimit > 0 && (opts.Plan != "" || len(opts.Buckets) > 0) {
		return failure.Usagef("--rate-limit sets one bucket for everything: use it without --plan and --bucket")
	}
	var lim sandbox.Limits
	if opts.Plan != "" {
		p, ok := sandbox.Plans[opts.Plan]
		if !ok {
			return failure.Usagef("invalid --plan %q: want one of %s", opts.Plan, strings.Join(sandbox.PlanNames(), ", "))
		}
		lim = sandbox.Limits{}
		for g, b := range p {
			lim[g] = b
		}
	}
	for _, spec := range opts.Buckets {
		group, b, ok := strings.Cut(spec, "=")
		if !ok || !slices.Contains(sandbox.Groups, group) {
			return failure.Usagef("invalid --bucket %q: want GROUP=BURST:RATE with GROUP one of %s", spec, strings.Join(sandbox.Groups, ", "))
		}
		bk, err := sandbox.ParseBucket(b)
		if err != nil {
			return failure.Usagef("invalid --bucket %v", err)
		}
		if lim == nil {
			lim = sandbox.Limits{}
		}
		lim[group] = bk
	}
	if lim == nil && opts.RateLimit > 0 {
		burst := opts.Burst
		if burst == 0 {
			burst = max(1, int(opts.RateLimit))
		}
		lim = sandbox.Limits{sandbox.GroupOther: {Burst: burst, Rate: opts.RateLimit}}
	}
	if lim != nil && opts.Speedup != 1 {
		lim = lim.Speedup(opts.Speedup)
	}
	opts.Limits = lim
	return nil
}

// describeLimits says what the buckets are, one line each.
func describeLimits(lim sandbox.Limits) []string {
	if lim == nil {
		return []string{"none"}
	}
	var out []string
	for _, g := range sandbox.Groups {
		b, ok := lim[g]
		if !ok {
			continue
		}
		name := g
		if len(lim) == 1 {
			name = "all"
		}
		out = append(out, fmt.Sprintf("%s burst %d, %s/min", name, b.Burst, strconv.FormatFloat(math.Round(b.Rate*60*1000)/1000, 'f', -1, 64)))
	}
	return out
}

func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	r, err := sandbox.ParseRate(s)
	if err != nil {
		return 0, failure.Usagef("invalid --rate-limit: %v", err)
	}
	return r, nil
}

// lockData takes the state file's lock, saying so while it waits; Ctrl-C
// stops the wait with 130.
func lockData(ctx context.Context, f *cmdutil.Factory, file string) (*sandbox.Held, error) {
	return cmdutil.LockSandbox(ctx, f.IO.ErrOut, file)
}

// loopbackOnly answers 400 to a request whose Host is not a loopback name
// or address: a web page whose domain was rebound to 127.0.0.1 must not
// reach the sandbox through a visitor's browser.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if !config.IsLoopback(host) {
			msg, _ := json.Marshal(fmt.Sprintf("Host %q refused: the sandbox answers only requests addressed to localhost or a loopback address", r.Host))
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"statusCode":400,"error":"Bad Request","message":%s}`, msg)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func serve(cmd *cobra.Command, f *cmdutil.Factory, opts *ServeOptions) error {
	if opts.Data != "" {
		lock, err := lockData(cmd.Context(), f, opts.Data)
		if err != nil {
			return err
		}
		// Nobody holds the lock once serve stops: leave no lock file behind.
		defer lock.UnlockRemove()
	}
	// The request log is for tests; a long-running server keeps only the tail.
	sopts := sandbox.Options{DataFile: opts.Data, Seed: true, Limits: opts.Limits, MaxRequests: 1000}
	if opts.Faults > 0 {
		sopts.RandomFaults = &sandbox.RandomFaults{Rate: opts.Faults, Seed: opts.FaultSeed, Slow: opts.Slow}
	}
	srv, err := sandbox.Open(sopts)
	if errors.Is(err, sandbox.ErrCorrupt) {
		return failure.New(failure.General, "%v\nrun `a0meta sandbox seed --data %s` to replace it with the seed tenant", err, opts.Data)
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return failure.Wrap(failure.General, err, "sandbox: listen on %s", opts.Addr)
	}
	url := "http://" + ln.Addr().String()
	out := f.IO.Out
	fmt.Fprintf(out, "Sandbox tenant serving on %s\n", url)
	fmt.Fprintf(out, "  domain         %s\n", url)
	fmt.Fprintf(out, "  client_id      %s\n", sandbox.DemoClientID)
	fmt.Fprintf(out, "  client_secret  %s   (public demo credentials)\n", sandbox.DemoClientSecret)
	fmt.Fprintf(out, "  audience       %s\n", config.DefaultAudience(url))
	if opts.Data != "" {
		fmt.Fprintf(out, "  state          %s\n", opts.Data)
	}
	for i, l := range describeLimits(opts.Limits) {
		label := "rate limits   "
		if i > 0 {
			label = "              "
		}
		fmt.Fprintf(out, "  %s %s\n", label, l)
	}
	if opts.Faults > 0 {
		fmt.Fprintf(out, "  faults         %s of user reads and writes (seed %d, slow %s)\n", strconv.FormatFloat(opts.Faults, 'f', -1, 64), opts.FaultSeed, opts.Slow)
	}
	fmt.Fprintf(out, "Use it with:\n  export A0META_DOMAIN=%s A0META_CLIENT_ID=%s A0META_CLIENT_SECRET=%s\n", url, sandbox.DemoClientID, sandbox.DemoClientSecret)
	fmt.Fprintln(out, "Press Ctrl-C to stop.")

	hs := &http.Server{Handler: loopbackOnly(srv), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// Writes are journaled as they are answered; the snapshot is rewritten
	// only when the journal has grown, and when serve stops.
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	ctx := cmd.Context()
	for {
		select {
		case <-tick.C:
			if err := srv.MaybeCompact(); err != nil {
				cmdutil.Warn(f.IO.ErrOut, "saving sandbox state: "+err.Error())
			}
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			if serr := srv.Close(); err == nil {
				err = serr
			}
			return err
		case <-ctx.Done():
			_ = hs.Close()
			fmt.Fprintln(f.IO.ErrOut, "Sandbox stopped")
			return srv.Close()
		}
	}
}

func newCmdReset(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "Restore the built-in sandbox profile's tenant to its seed state",
		Long: `Restore the built-in sandbox profile's tenant to its seed state. It works
whatever the state file holds, even when it no longer parses.`,
		Example: `  a0meta sandbox reset
  a0meta --profile sandbox user meta get jane.doe@example.com`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := builtinFile(f)
			if err != nil {
				return err
			}
			if err := reseed(cmd, f, file, sandbox.SeedSpec{}); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Sandbox tenant reset to its seed state (%s)\n", file)
			return nil
		},
	}
}

// builtinFile is the state file of the built-in sandbox profile.
func builtinFile(f *cmdutil.Factory) (string, error) {
	dir, err := config.DataDir(f.Env)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sandbox.json"), nil
}

// reseed replaces file with the seed tenant and spec's synthetic users,
// under the file's lock.
func reseed(cmd *cobra.Command, f *cmdutil.Factory, file string, spec sandbox.SeedSpec) error {
	lock, err := lockData(cmd.Context(), f, file)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return sandbox.Reseed(file, spec)
}

// SeedOptions are the flags of `sandbox seed`.
type SeedOptions struct {
	Users       int
	SameInstant int
	Data        string
}

func newCmdSeed(f *cmdutil.Factory) *cobra.Command {
	opts := &SeedOptions{}
	cmd := &cobra.Command{
		Use:   "seed --users N",
		Short: "Fill a sandbox tenant with synthetic users for work at scale",
		Long: `Replace a sandbox tenant with the seed tenant plus N synthetic users, the same
users every time: auth0|userNNNNN with email userNNNNN@example.com, each with
its own created_at, app_metadata.plan free, trial or pro (i mod 3), a legacy
flag on every tenth, and user_metadata lang and newsletter (absent on every
seventh). --same-instant M adds M users auth0|batchNNNNN all created at
2021-01-01T00:05:00.000Z, to rehearse queries whose results share one
created_at.

Without --data it seeds the built-in sandbox profile's tenant.`,
		Example: `  a0meta sandbox seed --users 10000
  a0meta sandbox seed --users 20000 --same-instant 1500 --data ./big.json
  a0meta sandbox serve --data ./big.json`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Users < 0 || opts.SameInstant < 0 || opts.Users > 10_000_000 || opts.SameInstant > 10_000_000 {
				return failure.Usagef("--users and --same-instant take a number from 0 to 10000000")
			}
			file := opts.Data
			if file == "" {
				var err error
				if file, err = builtinFile(f); err != nil {
					return err
				}
			}
			if err := reseed(cmd, f, file, sandbox.SeedSpec{Users: opts.Users, SameInstant: opts.SameInstant}); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "Sandbox tenant seeded with %d synthetic users (%s)\n", opts.Users+opts.SameInstant, file)
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Users, "users", 0, "Number of synthetic users, each created at its own instant")
	cmd.Flags().IntVar(&opts.SameInstant, "same-instant", 0, "Number of further synthetic users all created at the same instant")
	cmd.Flags().StringVar(&opts.Data, "data", "", "State file to seed (default: the built-in sandbox profile's)")
	return cmd
}
