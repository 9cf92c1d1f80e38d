package redirect

import "testing"

// Issue 13.4: "/%09/elsewhere/x" became Location "/\t/elsewhere/x", which
// browsers read as //elsewhere.
func TestLocalRefusesWhatBrowsersReadAsAnotherHost(t *testing.T) {
	for _, bad := range []string{
		"/\t/elsewhere/x", "/%09/elsewhere/x", "//elsewhere", "/\\elsewhere", "\\\\elsewhere", "/%5Celsewhere",
		"/%2F/elsewhere", "https://elsewhere/", "http:/elsewhere", "elsewhere", "", "/\n/x", "/%0d%0aSet-Cookie:x",
		"/\u0085x", "javascript:alert(1)", "/%zz", " /x",
	} {
		if IsLocal(bad) || Local(bad) != "/" {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, ok := range []string{"/", "/settings/profile?notice=x#profile-form", "/g/projet/documents?q=a%20b", "/@alice", "/oauth/authorize?client_id=a&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"} {
		if Local(ok) != ok {
			t.Errorf("%q refused", ok)
		}
	}
}

func TestClientURI(t *testing.T) {
	for _, ok := range []string{"urn:ietf:wg:oauth:2.0:oob", "https://elk.zone/oauth/callback", "http://localhost:3000/cb", "elk://callback", "com.example.app:/oauth"} {
		if err := ClientURI(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/relative", "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "https://a/cb#frag",
		"https://a/\tcb", "https:\\\\evil", "https:///nohost", "file:///etc/passwd"} {
		if err := ClientURI(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
