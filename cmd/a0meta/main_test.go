package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/root"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/a0meta/a0meta/pkg/sandbox/sandboxtest"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

var update = flag.Bool("update", false, "rewrite cmp files in the scripts with the actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"a0meta": func() { os.Exit(runRecorded(os.Getenv("A0META_TEST_STATUS_FILE"), root.Main)) },
	})
}

// runRecorded runs main and records its exit code in file for the
// scripts' `status` command. The previous run's code is removed first, so
// a run that dies without an exit code (a panic, a signal) can never pass
// for the one before it.
func runRecorded(file string, main func() int) int {
	if file == "" {
		return main()
	}
	if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
		fmt.Fprintf(os.Stderr, "status file: %v\n", err)
		return 125
	}
	code := main()
	_ = os.WriteFile(file, []byte(strconv.Itoa(code)), 0o600)
	return code
}

// TestScripts runs the acceptance scripts: the real a0meta binary against a
// sandbox tenant served from this test process. The scripts double as
// runbook examples.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			vars := sandboxtest.Dirs(env.WorkDir)
			vars["NO_COLOR"] = "1"
			vars["A0META_TEST_STATUS_FILE"] = filepath.Join(env.WorkDir, ".a0meta-status")
			for k, v := range vars {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox":   cmdSandbox,
			"jsonpath":  cmdJSONPath,
			"status":    cmdStatus,
			"badtenant": cmdBadTenant,
			"mkfile":    cmdMkfile,
		},
	})
}

type scriptSandbox struct {
	srv  *sandbox.Server
	http *httptest.Server
}

// Scripts run in parallel; each has its own sandbox.
var sandboxes sync.Map // *testscript.TestScript -> *scriptSandbox

// cmdSandbox drives the script's sandbox tenant:
//
//	sandbox start [-rate N]   serve a fresh seeded tenant; sets A0META_DOMAIN,
//	                          A0META_CLIENT_ID, A0META_CLIENT_SECRET, SANDBOX_URL
//	sandbox requests          print each request received since the last
//	                          `requests` (token requests without bodies):
//	                          METHOD PATH?QUERY [BODY]
//	sandbox user ID [FIELD]   print the stored user (or one field) as compact JSON
//	sandbox client ID [FIELD] likewise for a client
//	sandbox put-user JSON     store a user object as given
//	sandbox put-client JSON   store a client object as given
//	sandbox add-clients N     add N filler clients (client_id fillerI, name "Filler I")
//	sandbox fault METHOD PATHPREFIX STATUS TIMES [hangup] [header=value...]
func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: sandbox start|requests|user|client|put-user|put-client|add-clients|fault")
	}
	if args[0] == "start" {
		opts := sandbox.Options{Seed: true}
		if len(args) == 3 && args[1] == "-rate" {
			r, err := strconv.ParseFloat(args[2], 64)
			ts.Check(err)
			opts.RateLimit, opts.Burst = r, 1
		}
		srv, err := sandbox.Open(opts)
		ts.Check(err)
		hs := httptest.NewServer(srv)
		ts.Defer(hs.Close)
		sandboxes.Store(ts, &scriptSandbox{srv: srv, http: hs})
		ts.Defer(func() { sandboxes.Delete(ts) })
		ts.Setenv("SANDBOX_URL", hs.URL)
		ts.Setenv("A0META_DOMAIN", hs.URL)
		ts.Setenv("A0META_CLIENT_ID", sandbox.DemoClientID)
		ts.Setenv("A0META_CLIENT_SECRET", sandbox.DemoClientSecret)
		return
	}
	v, ok := sandboxes.Load(ts)
	if !ok {
		ts.Fatalf("sandbox start first")
	}
	sb := v.(*scriptSandbox)
	switch args[0] {
	case "requests":
		fmt.Fprint(ts.Stdout(), sandboxtest.Log(sb.srv, true))
	case "user", "client":
		if len(args) < 2 {
			ts.Fatalf("usage: sandbox %s ID [FIELD]", args[0])
		}
		var raw json.RawMessage
		var ok bool
		if args[0] == "user" {
			raw, ok = sb.srv.User(args[1])
		} else {
			raw, ok = sb.srv.Client(args[1])
		}
		if !ok {
			ts.Fatalf("no %s %s in the sandbox", args[0], args[1])
		}
		out := []byte(raw)
		if len(args) > 2 {
			v := gjson.GetBytes(raw, args[2])
			if !v.Exists() {
				fmt.Fprintf(ts.Stdout(), "(absent)\n")
				return
			}
			out = []byte(v.Raw)
		}
		var c bytes.Buffer
		ts.Check(json.Compact(&c, out))
		fmt.Fprintf(ts.Stdout(), "%s\n", c.Bytes())
	case "put-user":
		ts.Check(sb.srv.PutUser(json.RawMessage(strings.Join(args[1:], " "))))
	case "put-client":
		ts.Check(sb.srv.PutClient(json.RawMessage(strings.Join(args[1:], " "))))
	case "add-clients":
		if len(args) != 2 {
			ts.Fatalf("usage: sandbox add-clients N")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		for i := range n {
			ts.Check(sb.srv.PutClient(json.RawMessage(fmt.Sprintf(`{"client_id":"filler%d","name":"Filler %d"}`, i, i))))
		}
	case "fault":
		if len(args) < 5 {
			ts.Fatalf("usage: sandbox fault METHOD PATHPREFIX STATUS TIMES [hangup] [header=value...]")
		}
		status, err := strconv.Atoi(args[3])
		ts.Check(err)
		times, err := strconv.Atoi(args[4])
		ts.Check(err)
		f := sandbox.Fault{Method: args[1], PathPrefix: args[2], Status: status, Times: times, Header: http.Header{}}
		for _, a := range args[5:] {
			if a == "hangup" {
				f.Hangup = true
				continue
			}
			k, v, _ := strings.Cut(a, "=")
			f.Header.Set(k, v)
		}
		sb.srv.InjectFault(f)
	default:
		ts.Fatalf("unknown sandbox command %q", args[0])
	}
}

// cmdJSONPath prints the value at a gjson path of a file, compact:
//
//	jsonpath FILE PATH
func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonpath FILE PATH")
	}
	data := ts.ReadFile(args[0])
	v := gjson.Get(data, args[1])
	if !v.Exists() {
		if !neg {
			ts.Fatalf("%s: %s not found", args[0], args[1])
		}
		return
	}
	if neg {
		ts.Fatalf("%s: %s exists", args[0], args[1])
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", v.Raw)
}

// cmdStatus checks the exit code of the last a0meta run:
//
//	status N
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: status N")
	}
	data, err := os.ReadFile(filepath.Join(ts.Getenv("WORK"), ".a0meta-status"))
	if err != nil {
		ts.Fatalf("no exit code recorded for the last a0meta run: %v", err)
	}
	got := strings.TrimSpace(string(data))
	if got != args[0] {
		ts.Fatalf("a0meta exited %s, want %s", got, args[0])
	}
}
