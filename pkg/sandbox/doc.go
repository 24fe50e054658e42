// Package sandbox is an embedded emulator of the parts of the Auth0
// Management API v2 that a0meta uses, faithful to what real tenants answer
// (see the fixture replay test). It serves `a0meta sandbox serve`, the
// built-in `--profile sandbox` (in-process on a loopback port, state in a
// locked file) and tests, which can inspect every request and the state.
//
// Endpoints: POST /oauth/token (client credentials, form or JSON, HTTP
// Basic too; HS256 tokens signed with a key kept in the state file so cached
// tokens survive restarts); /api/v2/users (GET search, POST),
// /api/v2/users/{id} (GET, PATCH, DELETE), /api/v2/users-by-email,
// /api/v2/clients (GET, POST) and /api/v2/clients/{id} (GET, PATCH, DELETE).
//
// Metadata is kept as raw JSON and merged at the root on the raw text, so
// number spellings (1.0, 12345678901234567890), string escapes and key order
// come back exactly as sent; new root keys go at the end.
//
// Choices where Auth0's behaviour is not recorded:
//   - a body over 1 MB is answered 413;
//   - an unknown route or a wrong method is 404 (like Auth0's router), before
//     authentication;
//   - client_metadata {} in a PATCH changes nothing (users' {} empties);
//   - DELETE of a missing client is 204, as recorded for users;
//   - search supports field:value, field:"value", dotted metadata paths,
//     _exists_:path, * and ? wildcards, *:*, AND/OR/NOT and parentheses,
//     ranges field:[a TO b] / {a TO b} / mixed, with * for an open end,
//     and field:>v, >=v, <v, <=v;
//     range ends that are dates (midnight UTC) or ISO 8601 timestamps
//     compare as instants; email, name, nickname, given_name, family_name
//     and username match without regard to case, everything else exactly;
//     results are sorted by user_id unless sort=field:1|-1 says otherwise
//     (ties by user_id; metadata fields cannot be sorted on, as on Auth0);
//   - users-by-email is served from an index, and a created_at range in a
//     query narrows the scan to that stretch of the tenant;
//   - the demo application may request any subset of its scopes with the
//     token request's "scope" parameter (to try insufficient_scope).
//
// The seed tenant (a new state file, Reset, or Options.Seed):
//
// Users (connection Username-Password-Authentication unless said):
//   - auth0|jane1             jane.doe@example.com, user_metadata {"hobby":"surfing"}, app_metadata {"plan":"full"}
//   - auth0|john2             john.smith@example.com, no metadata at all
//   - auth0|sam3              sam@example.com, user_metadata {"theme":"dark"}
//   - google-oauth2|1089347   sam@example.com (connection google-oauth2), app_metadata {"plan":"trial"}
//   - samlp|acme|jdoe@acme.example/ops   jdoe@acme.example (connection acme),
//     app_metadata {"employee_no":12345678901234567890,"roles":["ops","admin"],"ratio":1.0}
//
// Clients (applications):
//   - myclientid123   "myclient", client_metadata {"mycolor":"red","myflavor":"grape"}
//   - a0meta-sandbox  "a0meta sandbox", the demo machine-to-machine app (DemoClientID,
//     DemoClientSecret), no client_metadata
//   - dupA1, dupB2    both named "Shared Name" (an ambiguous name),
//     client_metadata {"team":"web"} and {"team":"mobile"}
//
// Synthetic users for work at scale: see SeedSpec.
//
// Rate limits (Options.Limits, Plans): token buckets per rate group
// (read-users, write-users, clients, other) with x-ratelimit-limit,
// -remaining and -reset on every /api/v2 answer and Auth0's 429 body when a
// bucket is empty; none by default. Random faults for soak tests:
// RandomFaults.
//
// Durability: with a DataFile every change is journaled and fsynced before
// it is answered (see journal.go); Open replays the journal, Save and Close
// compact it into the snapshot.
//
// Accepted token audiences: https://{Host header}/api/v2/ and
// Options.Audiences (the CLI passes VirtualAudience).
package sandbox
