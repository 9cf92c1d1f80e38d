package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/store"
)

// User is a local account of a test node with a bearer token for its API.
type User struct {
	Node     *Node
	Username string
	Token    string
	Account  *store.Account
	Actor    *store.Actor
}

// Handle is @username@host.
func (u *User) Handle() string { return u.Username + "@" + u.Node.Host }

// CreateUser makes an account with the given tier and role ("" = member) and a token.
func (n *Node) CreateUser(username, tier, role string) *User {
	n.t.Helper()
	ctx := context.Background()
	acct, actor, err := n.Accounts.Register(ctx, accounts.Registration{Username: username,
		Email: username + "@example." + tierDomain(tier), Password: "password-" + username, Tier: tier, Role: role})
	if err != nil {
		n.t.Fatalf("create user %s: %v", username, err)
	}
	tok, err := n.Accounts.CreateToken(ctx, acct, "test")
	if err != nil {
		n.t.Fatal(err)
	}
	return &User{Node: n, Username: username, Token: tok, Account: acct, Actor: actor}
}

func tierDomain(tier string) string {
	if tier == store.TierState {
		return "gouv.fr"
	}
	return "org"
}

// Response is an HTTP answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.Status, err, r.Body)
	}
}

// Do sends a request to the node; body is JSON-encoded unless it is []byte.
func (n *Node) Do(method, path, token string, body any, header ...string) *Response {
	n.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			n.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, n.URL+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// API calls the client API as the user.
func (u *User) API(method, path string, body any) *Response {
	u.Node.t.Helper()
	return u.Node.Do(method, "/api/v1"+path, u.Token, body)
}

// TokenWith makes a token of an app with only the given scopes, for tests
// of what each scope lets through.
func (n *Node) TokenWith(u *User, scopes string) string {
	n.t.Helper()
	ctx := context.Background()
	app, _, err := n.OAuth.RegisterApp(ctx, oauth.NewApp{Name: "probe", RedirectURIs: []string{oauth.OOB}, Scopes: oauth.AllScopes})
	if err != nil {
		n.t.Fatal(err)
	}
	tok := "probe-" + store.NewID() + store.NewID()
	if err := n.Store.InsertToken(ctx, oauth.Hash(tok), &store.Token{AccountID: &u.Account.ID, AppID: &app.ID, Scopes: scopes}); err != nil {
		n.t.Fatal(err)
	}
	return tok
}
