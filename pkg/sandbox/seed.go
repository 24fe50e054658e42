package sandbox

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/a0meta/a0meta/pkg/fsutil"
	"github.com/tidwall/gjson"
)

// The seed tenant. Fixed timestamps keep answers reproducible (golden files
// in the CLI's scripts); documented in doc.go.

var seedUsers = []string{
	`{"created_at":"2024-01-15T09:30:00.000Z","email":"jane.doe@example.com","email_verified":true,` +
		`"identities":[{"connection":"Username-Password-Authentication","user_id":"jane1","provider":"auth0","isSocial":false}],` +
		`"name":"jane.doe@example.com","nickname":"jane.doe","picture":"https://s.gravatar.com/avatar/jd?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fja.png",` +
		`"updated_at":"2024-01-15T09:30:00.000Z","user_id":"auth0|jane1","user_metadata":{"hobby":"surfing"},"app_metadata":{"plan":"full"},` +
		`"last_login":"2024-02-01T08:00:00.000Z","logins_count":3}`,
	`{"created_at":"2024-01-16T10:00:00.000Z","email":"john.smith@example.com","email_verified":false,` +
		`"identities":[{"connection":"Username-Password-Authentication","user_id":"john2","provider":"auth0","isSocial":false}],` +
		`"name":"john.smith@example.com","nickname":"john.smith","picture":"https://s.gravatar.com/avatar/js?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjo.png",` +
		`"updated_at":"2024-01-16T10:00:00.000Z","user_id":"auth0|john2","logins_count":0}`,
	`{"created_at":"2024-01-17T11:00:00.000Z","email":"sam@example.com","email_verified":true,` +
		`"identities":[{"connection":"Username-Password-Authentication","user_id":"sam3","provider":"auth0","isSocial":false}],` +
		`"name":"sam@example.com","nickname":"sam","picture":"https://s.gravatar.com/avatar/sa?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fsa.png",` +
		`"updated_at":"2024-01-17T11:00:00.000Z","user_id":"auth0|sam3","user_metadata":{"theme":"dark"},"logins_count":1}`,
	`{"created_at":"2024-01-18T12:00:00.000Z","email":"sam@example.com","email_verified":true,"family_name":"Rivera","given_name":"Sam",` +
		`"identities":[{"provider":"google-oauth2","user_id":"1089347","connection":"google-oauth2","isSocial":true}],` +
		`"name":"Sam Rivera","nickname":"sam","picture":"https://lh3.googleusercontent.com/a/sandbox-sam",` +
		`"updated_at":"2024-01-18T12:00:00.000Z","user_id":"google-oauth2|1089347","app_metadata":{"plan":"trial"},"logins_count":5}`,
	`{"created_at":"2024-01-19T13:00:00.000Z","email":"jdoe@acme.example","email_verified":true,"family_name":"Doe","given_name":"Jordan",` +
		`"identities":[{"provider":"samlp","user_id":"acme|jdoe@acme.example/ops","connection":"acme","isSocial":false}],` +
		`"name":"Jordan Doe","nickname":"jdoe","picture":"https://cdn.auth0.com/avatars/jd.png",` +
		`"updated_at":"2024-01-19T13:00:00.000Z","user_id":"samlp|acme|jdoe@acme.example/ops",` +
		`"app_metadata":{"employee_no":12345678901234567890,"roles":["ops","admin"],"ratio":1.0},"logins_count":12}`,
}

var seedClients = []string{
	`{"name":"myclient","client_id":"myclientid123","client_secret":"myclient-sandbox-secret","app_type":"regular_web",` +
		`"callbacks":["https://myclient.example.com/callback"],"client_metadata":{"mycolor":"red","myflavor":"grape"}}`,
	`{"name":"a0meta sandbox","description":"Machine-to-machine application a0meta uses to call the sandbox Management API",` +
		`"client_id":"` + DemoClientID + `","client_secret":"` + DemoClientSecret + `","app_type":"non_interactive",` +
		`"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`,
	`{"name":"Shared Name","client_id":"dupA1","client_secret":"dupA1-sandbox-secret","app_type":"spa","client_metadata":{"team":"web"}}`,
	`{"name":"Shared Name","client_id":"dupB2","client_secret":"dupB2-sandbox-secret","app_type":"native","client_metadata":{"team":"mobile"}}`,
}

// demoClientIndex is the position of the demo M2M app in seedClients.
const demoClientIndex = 1

// connections known to the sandbox: name → provider. Users can be created
// only in the database connection, as on Auth0.
var connections = map[string]string{
	"Username-Password-Authentication": "auth0",
	"google-oauth2":                    "google-oauth2",
	"acme":                             "samlp",
}

const dbConnection = "Username-Password-Authentication"

func seedState(key []byte, withData bool) *state {
	st := newState(key)
	for i, raw := range seedClients {
		if !withData && i != demoClientIndex {
			continue
		}
		c, _ := parseObject([]byte(raw))
		st.clients = append(st.clients, c)
	}
	if withData {
		for _, raw := range seedUsers {
			u, _ := parseObject([]byte(raw))
			st.put(u)
		}
	}
	return st
}

// Synthetic users for work at scale (SeedSpec). They are deterministic: the
// same spec always gives the same users.
//
// User i (1…Users): user_id auth0|userNNNNN, email userNNNNN@example.com
// (NNNNN is i with at least five digits), created_at SyntheticEpoch +
// i×10 min + (i mod 1000) ms (all distinct, increasing with i, never on
// SameInstant), app_metadata {"plan":P} with P = free, trial, pro for
// i mod 3 = 0, 1, 2, plus "legacy":true when i mod 10 = 0; user_metadata
// {"lang":L,"newsletter":B} with L = en, fr, de, es, ja for i mod 5 and
// B = (i even), absent when i mod 7 = 0.
//
// Batch user j (1…SameInstant): auth0|batchNNNNN, batchNNNNN@example.com,
// created_at SameInstant, metadata as user j.
const (
	SyntheticEpoch = "2020-01-01T00:00:00.000Z"
	// SameInstant is the created_at shared by every batch user. It lies
	// inside the span of the distinct users (for N above 52704) but on
	// none of their instants.
	SameInstant = "2021-01-01T00:05:00.000Z"
)

// SeedSpec asks for synthetic users on top of the seed tenant.
type SeedSpec struct {
	Users       int // distinct created_at
	SameInstant int // all created at SameInstant
}

var (
	plans = [...]string{"free", "trial", "pro"}
	langs = [...]string{"en", "fr", "de", "es", "ja"}
)

func syntheticUser(prefix string, i int, created string) object {
	local := fmt.Sprintf("%s%05d", prefix, i)
	email := quote(local + "@example.com")
	app := `{"plan":"` + plans[i%3] + `"`
	if i%10 == 0 {
		app += `,"legacy":true`
	}
	u := object{
		"created_at":     created,
		"updated_at":     created,
		"email":          email,
		"email_verified": strconv.FormatBool(i%4 != 0),
		"identities":     `[{"connection":"` + dbConnection + `","user_id":"` + local + `","provider":"auth0","isSocial":false}]`,
		"name":           email,
		"nickname":       `"` + local + `"`,
		"user_id":        `"auth0|` + local + `"`,
		"app_metadata":   app + "}",
		"logins_count":   strconv.Itoa(i % 20),
	}
	if i%7 != 0 {
		u["user_metadata"] = `{"lang":"` + langs[i%5] + `","newsletter":` + strconv.FormatBool(i%2 == 0) + `}`
	}
	return u
}

// addSynthetic puts the users of spec into st.
func addSynthetic(st *state, spec SeedSpec) {
	epoch, _ := time.Parse(time.RFC3339, SyntheticEpoch)
	for i := 1; i <= spec.Users; i++ {
		t := epoch.Add(time.Duration(i)*10*time.Minute + time.Duration(i%1000)*time.Millisecond)
		st.put(syntheticUser("user", i, `"`+t.Format(timeFormat)+`"`))
	}
	for j := 1; j <= spec.SameInstant; j++ {
		st.put(syntheticUser("batch", j, `"`+SameInstant+`"`))
	}
}

// Seed puts back the seed tenant with the synthetic users of spec (keeping
// the signing key) and saves it.
func (s *Server) Seed(spec SeedSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := seedState(s.st.key, true)
	addSynthetic(st, spec)
	s.st = st
	s.gen++
	return s.saveLocked()
}

// Reseed writes the seed tenant, with the synthetic users of spec, to
// dataFile whatever the file holds now: even a file that does not parse is
// replaced. The signing key is kept when it can be read, so cached tokens
// stay valid. The caller holds the file's lock.
func Reseed(dataFile string, spec SeedSpec) error {
	key := newKey()
	if data, err := os.ReadFile(dataFile); err == nil {
		if k, err := base64.RawURLEncoding.DecodeString(gjson.GetBytes(data, "signing_key").String()); err == nil && len(k) >= 16 {
			key = k
		}
	}
	st := seedState(key, true)
	addSynthetic(st, spec)
	if err := fsutil.WriteFileAtomic(dataFile, st.marshal()); err != nil {
		return err
	}
	// The journal held changes to the state just replaced.
	if err := os.Remove(journalPath(dataFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
