package sandbox

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
	st := &state{key: key, users: map[string]object{}}
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
			st.users[u.str("user_id")] = u
		}
	}
	return st
}
