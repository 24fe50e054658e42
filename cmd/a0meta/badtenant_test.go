package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// badTenant is a Management API that misbehaves in one chosen way, and a
// second host ("elsewhere") that records whatever reaches it.
type badTenant struct {
	srv, elsewhere *httptest.Server
	mode           atomic.Value // string

	mu      sync.Mutex
	reqs    []string // METHOD PATH, since the last `requests`
	away    []string // METHOD PATH BODY, what reached elsewhere
	arrived chan string
}

const badSecret = "bad-tenant-SECRET-0123456789"

var badTenants sync.Map // *testscript.TestScript -> *badTenant

// cmdBadTenant drives a misbehaving tenant:
//
//	badtenant start MODE   serve it; sets A0META_DOMAIN, A0META_CLIENT_ID,
//	                       A0META_CLIENT_SECRET and ELSEWHERE (host:port)
//	badtenant mode MODE    change how it misbehaves
//	badtenant requests     print METHOD PATH of each request since the last call
//	badtenant elsewhere    print METHOD PATH BODY of what reached the other host
//	badtenant wait METHOD  wait (10 s at most) until a METHOD request arrives
//
// MODE is one of: ok, redirect-token, redirect-patch, html, truncated,
// empty204, other-user, patch-html, echo-secret, echo-token, token-form,
// token-junk, hang, patch-hang.
func cmdBadTenant(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: badtenant start|mode|requests|elsewhere|wait")
	}
	if args[0] == "start" {
		if len(args) != 2 {
			ts.Fatalf("usage: badtenant start MODE")
		}
		bt := &badTenant{arrived: make(chan string, 100)}
		bt.mode.Store(args[1])
		bt.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			bt.mu.Lock()
			bt.away = append(bt.away, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(body)))
			bt.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"elsewhere-token-0123456789","expires_in":86400,"token_type":"Bearer","user_id":"auth0|jane1","user_metadata":{}}`)
		}))
		bt.srv = httptest.NewServer(http.HandlerFunc(bt.serve))
		ts.Defer(func() {
			bt.srv.CloseClientConnections()
			bt.srv.Close()
			bt.elsewhere.Close()
		})
		badTenants.Store(ts, bt)
		ts.Defer(func() { badTenants.Delete(ts) })
		ts.Setenv("A0META_DOMAIN", bt.srv.URL)
		ts.Setenv("A0META_CLIENT_ID", "bad-client")
		ts.Setenv("A0META_CLIENT_SECRET", badSecret)
		ts.Setenv("ELSEWHERE", strings.TrimPrefix(bt.elsewhere.URL, "http://"))
		return
	}
	v, ok := badTenants.Load(ts)
	if !ok {
		ts.Fatalf("badtenant start first")
	}
	bt := v.(*badTenant)
	switch args[0] {
	case "mode":
		bt.mode.Store(args[1])
	case "requests":
		bt.mu.Lock()
		for _, r := range bt.reqs {
			fmt.Fprintln(ts.Stdout(), r)
		}
		bt.reqs = nil
		bt.mu.Unlock()
	case "elsewhere":
		bt.mu.Lock()
		for _, r := range bt.away {
			fmt.Fprintln(ts.Stdout(), r)
		}
		bt.mu.Unlock()
	case "wait":
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m := <-bt.arrived:
				if m == args[1] {
					return
				}
			case <-deadline:
				ts.Fatalf("no %s request arrived", args[1])
			}
		}
	default:
		ts.Fatalf("unknown badtenant command %q", args[0])
	}
}

func (bt *badTenant) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // read whole, so that a client going away is seen
	mode := bt.mode.Load().(string)
	bt.mu.Lock()
	bt.reqs = append(bt.reqs, r.Method+" "+r.URL.EscapedPath())
	bt.mu.Unlock()
	select {
	case bt.arrived <- r.Method:
	default:
	}
	json := func(status int, s string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, s)
	}
	hang := func() {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}
	if r.URL.Path == "/oauth/token" {
		form, _ := url.ParseQuery(string(body))
		switch mode {
		case "redirect-token":
			w.Header().Set("Location", "http://"+bt.elsewhere.Listener.Addr().String()+"/oauth/token")
			w.WriteHeader(http.StatusTemporaryRedirect)
		case "echo-secret":
			json(401, fmt.Sprintf(`{"error":"access_denied","error_description":"Unauthorized: client_secret %s is not valid"}`, form.Get("client_secret")))
		case "token-form":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "access_token=form-token-0123456789&expires_in=86400&token_type=Bearer")
		case "token-junk":
			json(200, `{"access_token":"junk-token-0123456789","expires_in":86400,"token_type":"Bearer"}}}`)
		default:
			json(200, `{"access_token":"good-token-0123456789","expires_in":86400,"token_type":"Bearer"}`)
		}
		return
	}
	if r.URL.Path == "/api/v2/users-by-email" {
		json(200, `[{"user_id":"auth0|jane1"}]`)
		return
	}
	id, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v2/users/"))
	user := fmt.Sprintf(`{"user_id":%q,"user_metadata":{"a":"1"}}`, id)
	switch {
	case mode == "redirect-patch" && r.Method == http.MethodPatch:
		w.Header().Set("Location", "http://"+bt.elsewhere.Listener.Addr().String()+r.URL.RequestURI())
		w.WriteHeader(http.StatusPermanentRedirect)
	case mode == "html", mode == "patch-html" && r.Method == http.MethodPatch:
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><h1>Welcome to Hotel WiFi</h1>Please sign in</body></html>")
	case mode == "truncated":
		json(200, user[:len(user)-6])
	case mode == "empty204":
		w.WriteHeader(http.StatusNoContent)
	case mode == "other-user":
		json(200, `{"user_id":"auth0|someone-else","user_metadata":{"a":"1"}}`)
	case mode == "echo-token":
		json(400, fmt.Sprintf(`{"statusCode":400,"error":"Bad Request","message":"Bad header: Authorization: %s"}`, r.Header.Get("Authorization")))
	case mode == "hang", mode == "patch-hang" && r.Method == http.MethodPatch:
		hang()
	default:
		json(200, user)
	}
}

// cmdMkfile writes a file of N bytes of 'x':
//
//	mkfile NAME N
func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkfile NAME N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), bytes.Repeat([]byte("x"), n), 0o600))
}
