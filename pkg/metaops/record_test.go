package metaops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/sandbox"
)

// recorder notes what Send tells it, and what the tenant had received by
// then.
type recorder struct {
	tn     *tenant
	refuse error
	events []string
}

func (r *recorder) Record(_ context.Context, w metaops.Write) (func(error), error) {
	r.events = append(r.events, "record "+w.Target.ID+" "+string(w.Before)+" "+strings.Join(w.Roots, ",")+" "+string(w.Body)+" after: "+strings.TrimSpace(r.tn.requests()))
	if r.refuse != nil {
		return nil, r.refuse
	}
	return func(err error) {
		r.events = append(r.events, "finish "+strings.TrimSpace(r.tn.requests())+" err="+errString(err))
	}, nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return "failed"
}

func assignment(t *testing.T, s string) metaedit.Op {
	t.Helper()
	a, err := metapath.ParseAssignment(s)
	if err != nil {
		t.Fatal(err)
	}
	return metaedit.SetOp(a)
}

// Send reports every PATCH to the context's recorder: before the request,
// with the field as read and the roots touched, then with the outcome.
func TestSendRecords(t *testing.T) {
	tn := newTenant(t)
	rec := &recorder{tn: tn}
	ctx := metaops.WithRecorder(context.Background(), rec)
	res, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.UserMetadata, Target: "auth0|jane1", Ops: []metaedit.Op{assignment(t, "plan=pro")}})
	if err != nil || !res.Sent {
		t.Fatalf("Apply: %v", err)
	}
	want := []string{
		`record auth0|jane1 {"hobby":"surfing"} plan {"user_metadata":{"plan":"pro"}} after: GET /api/v2/users/auth0%7Cjane1?fields=user_metadata&include_fields=true`,
		`finish PATCH /api/v2/users/auth0%7Cjane1 {"user_metadata":{"plan":"pro"}} err=nil`,
	}
	if strings.Join(rec.events, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(rec.events, "\n"), strings.Join(want, "\n"))
	}

	// Nothing to change: nothing recorded.
	rec.events = nil
	if _, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.UserMetadata, Target: "auth0|jane1", Ops: []metaedit.Op{assignment(t, "plan=pro")}}); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 0 {
		t.Errorf("a no-op was recorded: %v", rec.events)
	}

	// A failed PATCH is finished as failed.
	rec.events = nil
	tn.requests()
	tn.srv.InjectFault(sandbox.Fault{Method: "PATCH", PathPrefix: "/api/v2/clients/", Status: 400, Body: `{"statusCode":400,"error":"Bad Request","message":"no"}`})
	_, err = apply(ctx, tn.api, metaops.Change{Kind: metaops.ClientMetadata, Target: "myclientid123", Ops: []metaedit.Op{assignment(t, "k=v")}})
	if err == nil {
		t.Fatal("the injected 400 was not an error")
	}
	if len(rec.events) != 2 || !strings.HasPrefix(rec.events[0], `record myclientid123 {"mycolor":"red","myflavor":"grape"} k {"client_metadata":{"k":"v"}}`) ||
		!strings.HasSuffix(rec.events[1], "err=failed") {
		t.Errorf("client events: %v", rec.events)
	}
}

// A recorder that cannot record stops the write: nothing is sent.
func TestSendRecordRefusal(t *testing.T) {
	tn := newTenant(t)
	refuse := errors.New("disk full")
	rec := &recorder{tn: tn, refuse: refuse}
	ctx := metaops.WithRecorder(context.Background(), rec)
	_, err := apply(ctx, tn.api, metaops.Change{Kind: metaops.UserMetadata, Target: "auth0|jane1", Ops: []metaedit.Op{assignment(t, "plan=pro")}})
	if !errors.Is(err, refuse) {
		t.Fatalf("err = %v", err)
	}
	if got := tn.requests(); strings.Contains(got, "PATCH") {
		t.Errorf("sent after the recorder refused:\n%s", got)
	}
	if v, _ := tn.field(t, "auth0|jane1", "user_metadata"); v != `{"hobby":"surfing"}` {
		t.Errorf("user_metadata = %s", v)
	}
}
