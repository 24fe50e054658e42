package metaedit

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
)

// fuzzOps reads one operation a line: "-PATH" unsets, anything else is an
// assignment. Lines that do not parse are skipped.
func fuzzOps(text string) []Op {
	var ops []Op
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, "-"); ok {
			if p, err := metapath.Parse(rest); err == nil {
				ops = append(ops, UnsetOp(p))
			}
			continue
		}
		if a, err := metapath.ParseAssignment(l); err == nil {
			ops = append(ops, SetOp(a))
		}
	}
	return ops
}

func FuzzApply(f *testing.F) {
	seeds := [][2]string{
		{`{"hobby":"surfing"}`, "addresses.home=123 Main Street\naddresses.work=100 Industrial Way"},
		{`{}`, "ids.2313=x\ntags.-1=a\ntags.-1=b\n-tags.0"},
		{`{"a":1.0,"b":[1,2,{"c":"\u00e9"}],"n":12345678901234567890}`, "a:=1\nb.2.c=é\nb.-1:=null\n-b.0\nn:=12345678901234567891"},
		{`{"a":{"x":1}}`, "-a\na:={\"x\":1.0}"},
		{`{"a":1,"a":2,"b":{"b":1,"b":2}}`, "b.b:=3\n-a"},
		{"{\n  \"p\": [ ],\n  \"q\": { }\n}", "p.-1.-1:=[]\nq.0=z\n-p.0.0"},
		{`{"#":1,"a*b":2,":x":{"@y":3}}`, "#:=2\na*b.c=1\n:x.@y=4\n-:x"},
		{`null`, "-x\nx.y.z=1\n-x.y.z"},
		{`{"s":"x"}`, "s.t=1"},
		{`[1]`, "a=b"},
		{`{"\"":1,"x":{ "\"a" : 2 ,"b":3},"\"":4}`, "-\"\nx.\"a:=5\n-x.\"a\nx.<é&\">=1"},
		{`{"t":[0,1,2,3,4,5,6,7,8]}`, "t.8=y\n-t.00\n-t.007\nt.-1=z\nt.007=x"},
		{`{"t":["a","b","c"],"o":{"x":[1,{"y":2}]}}`, "-t.0\n-t.1\n-o.x.1.y\n-o.x\n-t.0"},
		{`{"l":[[1,2],[3,[4,5]]],"m":{"-1":1}}`, "-l.1.1.0\n-l.0\n-l.1.1\n-m.-1\n-l.1.1.1"},
		{`{"h":"x"}`, "h=a\nh=b\ng=c\nh=x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, doc, opsText string) {
		ops := fuzzOps(opsText)
		res, err := Apply([]byte(doc), ops)
		compareWithModel(t, doc, ops, res, err)
		if err != nil {
			return
		}
		checkInvariants(t, res)
		checkReports(t, res, ops)
		if len(ops) != 1 || strings.Contains(ops[0].Path.String(), "-1") {
			return
		}
		// A single operation is visible through Get.
		got, found, err := Get(res.After, ops[0].Path)
		if err != nil {
			t.Fatalf("Get after %+v: %v", ops[0], err)
		}
		switch ops[0].Kind {
		case Set:
			if !found || !Equal(got, ops[0].Value) {
				t.Fatalf("after set %s=%s, Get = %s, %v (doc %s)", ops[0].Path, ops[0].Value, got, found, res.After)
			}
		case Unset:
			if found {
				isArrayElem := false
				if len(ops[0].Path) > 1 {
					parent, _, _ := Get(res.Before, ops[0].Path[:len(ops[0].Path)-1])
					isArrayElem = len(parent) > 0 && parent[0] == '['
				}
				if !isArrayElem { // removing an element shifts the next one into its place
					t.Fatalf("after unset %s, Get = %s (doc %s)", ops[0].Path, got, res.After)
				}
			}
		}
	})
}

// checkReports: every report's Changed agrees with its note, and when ops
// are sets of distinct leaves (no -1, no path through another), each path
// reports once, with a note that compares the field as read with the
// result.
func checkReports(t *testing.T, res *Result, ops []Op) {
	t.Helper()
	for _, r := range res.Reports {
		if r.Changed != isChange(r.Note) {
			t.Fatalf("report %+v: Changed disagrees with the note", r)
		}
	}
	paths := map[string]bool{}
	for _, op := range ops {
		if op.Kind != Set || strings.Contains("."+op.Path.String()+".", ".-1.") {
			return
		}
		for _, o := range ops {
			if len(o.Path) != len(op.Path) && (isPrefix(o.Path, op.Path) || isPrefix(op.Path, o.Path)) {
				return
			}
		}
		paths[op.Path.String()] = true
	}
	if len(res.Reports) != len(paths) {
		t.Fatalf("%d reports for %d distinct paths: %+v", len(res.Reports), len(paths), res.Reports)
	}
	for _, r := range res.Reports {
		bv, had, _ := Get(res.Before, r.Op.Path)
		av, _, _ := Get(res.After, r.Op.Path)
		want := NoteReplaced
		switch {
		case !had:
			want = NoteCreated
		case Equal(bv, av):
			want = NoteAlreadySet
		}
		if r.Note != want {
			t.Fatalf("set %s reports %q; before %s, after %s", r.Op.Path, r.Note, bv, av)
		}
	}
}

// compareWithModel checks Apply against the reference model, for documents
// the model reads the same way (UTF-8, no duplicate keys).
func compareWithModel(t *testing.T, doc string, ops []Op, res *Result, err error) {
	t.Helper()
	norm, nerr := Normalize([]byte(doc))
	if nerr != nil || !utf8.Valid(norm) || hasDuplicateKeys(norm) {
		return
	}
	want, merr := modelApply(norm, ops)
	switch {
	case (err != nil) != (merr != nil):
		t.Fatalf("Apply(%s, %q) error = %v, model error = %v", doc, opsText(ops), err, merr)
	case err == nil && !Equal(res.After, want):
		t.Fatalf("Apply(%s, %q) = %s, model says %s", doc, opsText(ops), res.After, want)
	}
}

func hasDuplicateKeys(v []byte) bool {
	if v[0] != '{' && v[0] != '[' {
		return false
	}
	seen := map[string]bool{}
	for _, m := range members(v) {
		if v[0] == '{' {
			k := keyOf(v, m)
			if seen[k] {
				return true
			}
			seen[k] = true
		}
		if hasDuplicateKeys(v[m.vs:m.ve]) {
			return true
		}
	}
	return false
}

func opsText(ops []Op) string {
	var b strings.Builder
	for _, op := range ops {
		if op.Kind == Unset {
			fmt.Fprintf(&b, "unset %s; ", op.Path)
		} else {
			fmt.Fprintf(&b, "%s:=%s; ", op.Path, op.Value)
		}
	}
	return b.String()
}

func FuzzEqual(f *testing.F) {
	for _, s := range [][2]string{{`1`, `1.0`}, {`{"a":[1,"x"]}`, `{ "a" : [ 1e0 , "\u0078" ] }`}, {`-0`, `0e5`}, {`1e999999999999999999999`, `10e999999999999999999998`}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab := Equal([]byte(a), []byte(b))
		if ab != Equal([]byte(b), []byte(a)) {
			t.Fatalf("Equal not symmetric for %q, %q", a, b)
		}
		if !gjson.Valid(a) {
			return
		}
		if !Equal([]byte(a), []byte(a)) || !Equal([]byte(a), render.Compact([]byte(a))) {
			t.Fatalf("Equal not reflexive for %q", a)
		}
	})
}

// realisticDoc builds a deterministic user_metadata document of about 10 KB:
// nested objects, arrays, big numbers, floats in odd spellings, unicode.
func realisticDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"hobby":"surfing","preferences":{"theme":"dark","language":"fr-CA","notifications":{"email":true,"sms":false,"push":{"enabled":true,"quiet_hours":[22,7]}}}`)
	b.WriteString(`,"addresses":{"home":"123 Main Street, Anytown, ST 12345","work":"100 Industrial Way, Anytown, ST 12345"}`)
	b.WriteString(`,"external_ids":{"crm":12345678901234567890,"ledger":"00042","ratio":1.0,"tiny":1.5e-07}`)
	b.WriteString(`,"tags":[`)
	for i := range 40 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"tag-%02d-ünïcødé"`, i)
	}
	b.WriteString(`],"devices":[`)
	for i := range 30 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"dev-%04d","model":"Phone \u00e9 %d","seen":"2023-01-25T19:%02d:27.321Z","score":%d.%02d0,"flags":{"trusted":%v,"mfa":["otp","push"]}}`,
			i, i, i%60, i*7, i%100, i%2 == 0)
	}
	b.WriteString(`],"history":{`)
	for i := range 60 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"2024-%02d-%02d":{"logins":%d,"note":"visite n°%d — café ☕"}`, i%12+1, i%28+1, i*3, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

var realisticOps = []string{
	"preferences.theme=light",
	"preferences.notifications.push.quiet_hours.0:=23",
	"preferences.notifications.push.quiet_hours.-1:=6",
	"addresses.vacation.line1=1 Beach Road",
	"addresses.vacation.zip=02134",
	"tags.-1=new-tag",
	"unset tags.3",
	"devices.5.flags.trusted:=false",
	"devices.-1.id=dev-new",
	"unset devices.0",
	"external_ids.crm:=12345678901234567891",
	"external_ids.ratio:=1",
	"history.2024-02-02.logins:=99",
	"unset history.2024-03-03",
	`profile:={"bio":"Hello, wörld","links":["https://example.com"],"age":42}`,
	"profile.links.-1=https://example.org",
	"unset hobby",
	"hobby=kitesurfing",
	"unset preferences.language",
	"ids.2313=x",
}

func BenchmarkApplyRealistic(b *testing.B) {
	doc := realisticDoc()
	if !gjson.ValidBytes(doc) {
		b.Fatal("benchmark document is not valid JSON")
	}
	ops := parseOps(b, realisticOps)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	var res *Result
	for b.Loop() {
		var err error
		res, err = Apply(doc, ops)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(doc)), "doc-bytes")
	b.ReportMetric(float64(len(res.Patch)), "patch-bytes")
	b.ReportMetric(float64(len(ops)), "ops")
}

func TestRealisticDoc(t *testing.T) {
	doc := realisticDoc()
	if n := len(doc); n < 9000 || n > 12000 {
		t.Fatalf("realistic document is %d bytes, want about 10 KB", n)
	}
	res, err := Apply(doc, parseOps(t, realisticOps))
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	want := []string{"preferences", "addresses", "tags", "devices", "external_ids", "history", "profile", "hobby", "ids"}
	if strings.Join(res.ChangedRoots, ",") != strings.Join(want, ",") {
		t.Fatalf("roots = %q, want %q", res.ChangedRoots, want)
	}
	if got := gjson.GetBytes(res.Patch, "external_ids.crm").Raw; got != "12345678901234567891" {
		t.Fatalf("big number in patch = %s", got)
	}
	if got := gjson.GetBytes(res.Patch, "external_ids.ratio").Raw; got != "1.0" {
		t.Fatalf("1.0 set to 1 must keep its bytes, got %s", got)
	}
}
