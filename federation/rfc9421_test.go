package federation

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dunglas/httpsfv"

	"github.com/archipel-social/archipel/keys"
)

// RFC 9421 Appendix B.1 test keys. The RSA-PSS private key is PKCS#8 with
// the id-RSASSA-PSS OID, which Go does not parse; only its public half,
// published as rsaEncryption, is needed to verify.
const (
	rfcKeyRSAPSSPublic = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----`
	rfcKeyEd25519Private = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`
	rfcKeyEd25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`
	rfcKeyRSAPrivate = `-----BEGIN RSA PRIVATE KEY-----
MIIEqAIBAAKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsP
BRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsd
JKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75
jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKI
lE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZ
SFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQABAoIBAG/JZuSWdoVHbi56
vjgCgkjg3lkO1KrO3nrdm6nrgA9P9qaPjxuKoWaKO1cBQlE1pSWp/cKncYgD5WxE
CpAnRUXG2pG4zdkzCYzAh1i+c34L6oZoHsirK6oNcEnHveydfzJL5934egm6p8DW
+m1RQ70yUt4uRc0YSor+q1LGJvGQHReF0WmJBZHrhz5e63Pq7lE0gIwuBqL8SMaA
yRXtK+JGxZpImTq+NHvEWWCu09SCq0r838ceQI55SvzmTkwqtC+8AT2zFviMZkKR
Qo6SPsrqItxZWRty2izawTF0Bf5S2VAx7O+6t3wBsQ1sLptoSgX3QblELY5asI0J
YFz7LJECgYkAsqeUJmqXE3LP8tYoIjMIAKiTm9o6psPlc8CrLI9CH0UbuaA2JCOM
cCNq8SyYbTqgnWlB9ZfcAm/cFpA8tYci9m5vYK8HNxQr+8FS3Qo8N9RJ8d0U5Csw
DzMYfRghAfUGwmlWj5hp1pQzAuhwbOXFtxKHVsMPhz1IBtF9Y8jvgqgYHLbmyiu1
mwJ5AL0pYF0G7x81prlARURwHo0Yf52kEw1dxpx+JXER7hQRWQki5/NsUEtv+8RT
qn2m6qte5DXLyn83b1qRscSdnCCwKtKWUug5q2ZbwVOCJCtmRwmnP131lWRYfj67
B/xJ1ZA6X3GEf4sNReNAtaucPEelgR2nsN0gKQKBiGoqHWbK1qYvBxX2X3kbPDkv
9C+celgZd2PW7aGYLCHq7nPbmfDV0yHcWjOhXZ8jRMjmANVR/eLQ2EfsRLdW69bn
f3ZD7JS1fwGnO3exGmHO3HZG+6AvberKYVYNHahNFEw5TsAcQWDLRpkGybBcxqZo
81YCqlqidwfeO5YtlO7etx1xLyqa2NsCeG9A86UjG+aeNnXEIDk1PDK+EuiThIUa
/2IxKzJKWl1BKr2d4xAfR0ZnEYuRrbeDQYgTImOlfW6/GuYIxKYgEKCFHFqJATAG
IxHrq1PDOiSwXd2GmVVYyEmhZnbcp8CxaEMQoevxAta0ssMK3w6UsDtvUvYvF22m
qQKBiD5GwESzsFPy3Ga0MvZpn3D6EJQLgsnrtUPZx+z2Ep2x0xc5orneB5fGyF1P
WtP+fG5Q6Dpdz3LRfm+KwBCWFKQjg7uTxcjerhBWEYPmEMKYwTJF5PBG9/ddvHLQ
EQeNC8fHGg4UXU8mhHnSBt3EA10qQJfRDs15M38eG2cYwB1PZpDHScDnDA0=
-----END RSA PRIVATE KEY-----`
)

// The RFC's example request (§2.1 and Appendix B.2), and when its
// signatures were made.
const (
	rfcBody          = `{"hello": "world"}`
	rfcContentDigest = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
	rfcCreated       = 1618884473
)

func rfcRequest(t *testing.T, signatureInput, signature string) *http.Request {
	t.Helper()
	raw := "POST /foo?param=Value&Pet=dog HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"Date: Tue, 20 Apr 2021 02:07:55 GMT\r\n" +
		"Content-Type: application/json\r\n" +
		"Content-Digest: " + rfcContentDigest + "\r\n" +
		"Content-Length: 18\r\n"
	if signatureInput != "" {
		raw += "Signature-Input: " + signatureInput + "\r\nSignature: " + signature + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n" + rfcBody)))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func mustPublicKey(t *testing.T, pemText string) crypto.PublicKey {
	t.Helper()
	k, err := keys.ParsePublicKey(pemText)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPrivateKey(t *testing.T, pemText string) crypto.PrivateKey {
	t.Helper()
	k, err := keys.ParsePrivateKey(pemText)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyMap resolves key ids to fixed keys owned by testOwner.
type keyMap map[string]crypto.PublicKey

func (m keyMap) ResolveKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	k, ok := m[keyID]
	if !ok {
		return nil, "", fmt.Errorf("unknown key %q", keyID)
	}
	return k, testOwner, nil
}

// The vectors of RFC 9421 §3.2 and Appendix B.2 (requests): the signature
// base we build is the RFC's, byte for byte, and the RFC's signatures
// verify with its keys. The RSA-PSS signatures are randomised, so only
// verifying them is possible; Ed25519 is deterministic, so B.2.6 is also
// reproduced by our signer below.
func TestRFC9421Vectors(t *testing.T) {
	pss := mustPublicKey(t, rfcKeyRSAPSSPublic)
	ed := mustPublicKey(t, rfcKeyEd25519Public)
	for _, tt := range []struct {
		name, input, sig, base string
		key                    crypto.PublicKey
		alg                    string
	}{
		{"B.2.1 minimal, rsa-pss-sha512",
			`sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
			`sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:`,
			`"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
			pss, algRSAPSSSHA512},
		{"B.2.2 selective, rsa-pss-sha512",
			`sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"`,
			`sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:`,
			`"@authority": example.com` + "\n" +
				`"content-digest": ` + rfcContentDigest + "\n" +
				`"@query-param";name="Pet": dog` + "\n" +
				`"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"`,
			pss, algRSAPSSSHA512},
		{"B.2.3 full coverage, rsa-pss-sha512",
			`sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`,
			`sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:`,
			`"date": Tue, 20 Apr 2021 02:07:55 GMT` + "\n" +
				`"@method": POST` + "\n" +
				`"@path": /foo` + "\n" +
				`"@query": ?param=Value&Pet=dog` + "\n" +
				`"@authority": example.com` + "\n" +
				`"content-type": application/json` + "\n" +
				`"content-digest": ` + rfcContentDigest + "\n" +
				`"content-length": 18` + "\n" +
				`"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`,
			pss, algRSAPSSSHA512},
		{"3.2 example, rsa-pss-sha512",
			`sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"`,
			`sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uqK488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuBCh+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5FsZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6Am6sfOrpIC49yXjj3ae6HRalVc/g==:`,
			"", pss, algRSAPSSSHA512},
		{"B.2.6 ed25519",
			`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
			`sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`,
			`"date": Tue, 20 Apr 2021 02:07:55 GMT` + "\n" +
				`"@method": POST` + "\n" +
				`"@path": /foo` + "\n" +
				`"@authority": example.com` + "\n" +
				`"content-type": application/json` + "\n" +
				`"content-length": 18` + "\n" +
				`"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
			ed, algEd25519},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := rfcRequest(t, tt.input, tt.sig)
			m, err := parseMessageSignature(req.Header)
			if err != nil {
				t.Fatal(err)
			}
			base, err := serverParts(req).signatureBase(m.components, m.input)
			if err != nil {
				t.Fatal(err)
			}
			if tt.base != "" && string(base) != tt.base {
				t.Errorf("signature base\n%s\nwant\n%s", base, tt.base)
			}
			if err := verifyMessageBytes(tt.alg, tt.key, base, m.sig); err != nil {
				t.Errorf("with alg %s: %v", tt.alg, err)
			}
			// Without alg, the key type decides (RSA: either padding).
			if err := verifyMessageBytes("", tt.key, base, m.sig); err != nil {
				t.Errorf("without alg: %v", err)
			}
			if err := verifyMessageBytes(algRSAv15SHA256, pss, base, m.sig); err == nil {
				t.Errorf("verified as rsa-v1_5-sha256")
			}
		})
	}
}

// B.2.6 again, from the signing side: Ed25519 being deterministic, our
// signer must write the RFC's Signature-Input and Signature exactly.
func TestRFC9421SignReproducesB26(t *testing.T) {
	req := rfcRequest(t, "", "")
	req.URL.Scheme, req.URL.Host = "https", "example.com"
	err := SignMessageWith(req, nil, "test-key-ed25519", mustPrivateKey(t, rfcKeyEd25519Private), MessageOptions{
		Label:      "sig-b26",
		Components: []string{"date", "@method", "@path", "@authority", "content-type", "content-length"},
		Created:    time.Unix(rfcCreated, 0),
		NoAlg:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.Header.Get("Signature-Input"), `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`; got != want {
		t.Errorf("Signature-Input %s\nwant %s", got, want)
	}
	if got, want := req.Header.Get("Signature"), `sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`; got != want {
		t.Errorf("Signature %s\nwant %s", got, want)
	}
}

// rsa-v1_5-sha256, which the RFC has no vector for, with the RFC's B.1.1
// key: signed by us over the example request, verified by the whole
// inbound path (coverage, digest, time, key).
func TestRFC9421RSAv15WithTestKey(t *testing.T) {
	priv := mustPrivateKey(t, rfcKeyRSAPrivate)
	req := rfcRequest(t, "", "")
	req.URL.Scheme, req.URL.Host = "https", "example.com"
	if err := SignMessageWith(req, []byte(rfcBody), "test-key-rsa", priv, MessageOptions{Created: time.Unix(rfcCreated, 0)}); err != nil {
		t.Fatal(err)
	}
	if in := req.Header.Get("Signature-Input"); !strings.Contains(in, `alg="rsa-v1_5-sha256"`) || !strings.HasPrefix(in, `sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-rsa"`) {
		t.Errorf("Signature-Input %s", in)
	}
	got := received(req, []byte(rfcBody))
	got.Header.Set("X-Forwarded-Proto", "https")
	keys := keyMap{"test-key-rsa": mustPublicKey(t, `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----`)}
	v, err := VerifyRequest(context.Background(), got, []byte(rfcBody), keys, time.Unix(rfcCreated+30, 0))
	if err != nil || v.Scheme != SchemeRFC9421 || v.KeyID != "test-key-rsa" {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	// Received over plain http behind a proxy that does not say https: the
	// other scheme is tried, the host and path being the same.
	got.Header.Del("X-Forwarded-Proto")
	if _, err := VerifyRequest(context.Background(), got, []byte(rfcBody), keys, time.Unix(rfcCreated+30, 0)); err != nil {
		t.Errorf("without X-Forwarded-Proto: %v", err)
	}
}

// The RFC's vectors through the whole inbound policy: only B.2.3 covers
// what a POST to an inbox must (method, path and query, authority,
// Content-Digest, created).
func TestRFC9421VectorsAgainstPolicy(t *testing.T) {
	keys := keyMap{"test-key-rsa-pss": mustPublicKey(t, rfcKeyRSAPSSPublic), "test-key-ed25519": mustPublicKey(t, rfcKeyEd25519Public)}
	at := time.Unix(rfcCreated+60, 0)
	for _, tt := range []struct{ input, sig, reason string }{
		{`sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
			`sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:`,
			ReasonMissingHeaders},
		{`sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`,
			`sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:`,
			""},
		{`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
			`sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`,
			ReasonMissingHeaders}, // no Content-Digest
	} {
		req := rfcRequest(t, tt.input, tt.sig)
		body, _ := io.ReadAll(req.Body)
		_, err := VerifyRequest(context.Background(), req, body, keys, at)
		if got := reasonOf(err); got != tt.reason {
			t.Errorf("%.8s: reason %q (%v), want %q", tt.input, got, err, tt.reason)
		}
	}
}

// What httpsfv does and leaves to us, checked on the library itself.
func TestHTTPSFVFacts(t *testing.T) {
	// It re-serialises a parsed Signature-Input member byte for byte, which
	// @signature-params relies on.
	in := `("@method" "@query-param";name="Pet");created=1618884473;keyid="k";nonce="n"`
	d, err := httpsfv.UnmarshalDictionary([]string{"sig1=" + in})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := d.Get("sig1")
	if s, _ := httpsfv.Marshal(httpsfv.List{m}); s != in {
		t.Errorf("re-serialised as %s", s)
	}
	// A dictionary key given twice keeps the last value (RFC 8941): two
	// sig1 members cannot smuggle a second signature past us.
	d, _ = httpsfv.UnmarshalDictionary([]string{`sig1=:AAAA:`, `sig1=:BBBB:`})
	if len(d.Names()) != 1 {
		t.Errorf("names %v", d.Names())
	}
	// Byte sequences are strict base64; keys are lower case only.
	for _, bad := range []string{`sig1=:not base64!:`, `Sig1=:AAAA:`, `sig1=:AAAA`} {
		if _, err := httpsfv.UnmarshalDictionary([]string{bad}); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
	// Parameters must exist to be written: a nil *Params fails to marshal,
	// so every inner list we build gets httpsfv.NewParams().
	if _, err := httpsfv.Marshal(httpsfv.List{httpsfv.InnerList{}}); err == nil {
		t.Error("inner list without params marshalled")
	}
	// It knows nothing of signatures: a component with an unknown
	// parameter, a created that is a string, parse fine; our reader refuses
	// them.
	for _, input := range []string{`sig1=("@method";sf);created=1;keyid="k"`, `sig1=("@method");created="1";keyid="k"`, `sig1=("Date");created=1;keyid="k"`} {
		if _, err := httpsfv.UnmarshalDictionary([]string{input}); err != nil {
			t.Errorf("httpsfv refused %s: %v", input, err)
		}
		h := http.Header{"Signature-Input": {input}, "Signature": {"sig1=:AAAA:"}}
		if _, err := parseMessageSignature(h); reasonOf(err) != ReasonMalformedSignature {
			t.Errorf("%s: %v", input, err)
		}
	}
}

// The hostile set at the verifier: each request is signed validly by the
// key it names, and wrong in one way.
func TestVerifyMessageHostile(t *testing.T) {
	key, other := rsaKeys(t)
	keys := keyMap{testKeyID: &key.PublicKey}
	body := testActivity
	sha := sha512.Sum512([]byte("another body"))
	wrongDigest := "sha-512=:" + base64.StdEncoding.EncodeToString(sha[:]) + ":"
	none := ""
	for _, tt := range []struct {
		name   string
		method string
		url    string // signed for; the request goes to inboxURL
		opts   MessageOptions
		edit   func(r *http.Request)
		key    crypto.PrivateKey
		body   []byte // sent, when not the signed one
		reason string
	}{
		{name: "valid POST", reason: ""},
		{name: "valid GET", method: http.MethodGet, reason: ""},
		{name: "GET with Content-Digest of nothing", method: http.MethodGet, opts: MessageOptions{Components: []string{"@method", "@target-uri"}}, reason: ""},
		{name: "missing created", opts: MessageOptions{NoCreated: true}, reason: ReasonMissingHeaders},
		{name: "created 13 h old", opts: MessageOptions{Created: t0.Add(-13 * time.Hour)}, reason: ReasonStaleDate},
		{name: "created 13 h ahead", opts: MessageOptions{Created: t0.Add(13 * time.Hour)}, reason: ReasonStaleDate},
		{name: "GET created 2 h old", method: http.MethodGet, opts: MessageOptions{Created: t0.Add(-2 * time.Hour)}, reason: ReasonStaleDate},
		{name: "digest mismatch", opts: MessageOptions{ContentDigest: &wrongDigest}, reason: ReasonDigestMismatch},
		{name: "body changed after signing", body: []byte(`{"id":"x"}`), reason: ReasonDigestMismatch},
		{name: "no Content-Digest on a POST", edit: func(r *http.Request) { r.Header.Del("Content-Digest") }, reason: ReasonDigestMismatch},
		{name: "no Content-Digest, none covered", opts: MessageOptions{ContentDigest: &none, Components: []string{"@method", "@target-uri"}}, reason: ReasonMissingHeaders},
		{name: "Content-Digest not covered", opts: MessageOptions{Components: []string{"@method", "@target-uri"}}, reason: ReasonMissingHeaders},
		{name: "Content-Digest of md5 only", opts: MessageOptions{ContentDigest: ptr("md5=:AAAAAAAAAAAAAAAAAAAAAA==:")}, reason: ReasonDigestMismatch},
		{name: "@target-uri for another path", url: "https://archipel.example/users/carol/inbox", reason: ReasonBadSignature},
		{name: "@target-uri for another host", url: "https://other.example/users/bob/inbox", reason: ReasonBadSignature},
		{name: "@method not covered", opts: MessageOptions{Components: []string{"@target-uri", "content-digest"}}, reason: ReasonMissingHeaders},
		{name: "signed as GET, sent as POST", method: http.MethodGet, edit: func(r *http.Request) { r.Method = http.MethodPost }, reason: ReasonMissingHeaders},
		{name: "target not covered", opts: MessageOptions{Components: []string{"@method", "content-digest"}}, reason: ReasonMissingHeaders},
		{name: "authority without path", opts: MessageOptions{Components: []string{"@method", "@authority", "content-digest"}}, reason: ReasonMissingHeaders},
		{name: "authority and path", opts: MessageOptions{Components: []string{"@method", "@authority", "@path", "content-digest"}}, reason: ""},
		{name: "unknown algorithm", opts: MessageOptions{Alg: "hmac-sha256"}, reason: ReasonMalformedSignature},
		{name: "ecdsa", opts: MessageOptions{Alg: "ecdsa-p256-sha256"}, reason: ReasonMalformedSignature},
		{name: "alg says ed25519 for an RSA key", opts: MessageOptions{Alg: "ed25519"}, reason: ReasonBadSignature},
		{name: "alg says rsa-pss-sha512, signed v1.5", opts: MessageOptions{Alg: "rsa-pss-sha512"}, reason: ReasonBadSignature},
		{name: "another key", key: other, reason: ReasonBadSignature},
		{name: "Signature without Signature-Input label", edit: func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
		}, reason: ReasonMalformedSignature},
		{name: "Signature-Input without Signature", edit: func(r *http.Request) { r.Header.Del("Signature") }, reason: ReasonMissingSignature},
		{name: "Signature not a byte sequence", edit: func(r *http.Request) { r.Header.Set("Signature", `sig1="abc"`) }, reason: ReasonMalformedSignature},
		{name: "Signature-Input not structured", edit: func(r *http.Request) { r.Header.Set("Signature-Input", `sig1=("@method"`) }, reason: ReasonMalformedSignature},
		{name: "no keyid", edit: func(r *http.Request) {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `keyid=`, `kid=`, 1))
		}, reason: ReasonMalformedSignature},
		{name: "unknown key", edit: func(r *http.Request) {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), testKeyID, testKeyID+"2", 1))
		}, reason: ReasonUnknownKey},
		{name: "covered header absent", opts: MessageOptions{Components: []string{"@method", "@target-uri", "content-digest", "x-absent"}},
			edit: func(r *http.Request) { r.Header.Del("X-Absent") }, reason: ReasonMissingHeaders},
		{name: "nine signatures", edit: func(r *http.Request) {
			in, sig := r.Header.Get("Signature-Input"), r.Header.Get("Signature")
			for i := 2; i <= 9; i++ {
				in += fmt.Sprintf(", s%d=();created=1;keyid=\"k\"", i)
				sig += fmt.Sprintf(", s%d=:AAAA:", i)
			}
			r.Header.Set("Signature-Input", in)
			r.Header.Set("Signature", sig)
		}, reason: ReasonMalformedSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			signedBody := body
			if method == http.MethodGet {
				signedBody = nil
			}
			target := inboxURL
			if tt.url != "" {
				target = tt.url
			}
			k := crypto.PrivateKey(key)
			if tt.key != nil {
				k = tt.key
			}
			opts := tt.opts
			if opts.Created.IsZero() {
				opts.Created = t0
			}
			req, _ := http.NewRequest(method, target, nil)
			req.Header.Set("X-Absent", "present when signed")
			if err := SignMessageWith(req, signedBody, testKeyID, k, opts); err != nil {
				t.Fatal(err)
			}
			sent := signedBody
			if tt.body != nil {
				sent = tt.body
			}
			r := received(req, sent)
			r.Host = "archipel.example"
			r.URL.Path = "/users/bob/inbox"
			r.Header.Set("X-Forwarded-Proto", "https")
			if tt.edit != nil {
				tt.edit(r)
			}
			_, err := VerifyRequest(context.Background(), r, sent, keys, t0.Add(time.Minute))
			if got := reasonOf(err); got != tt.reason {
				t.Errorf("reason %q (%v), want %q", got, err, tt.reason)
			}
			if tt.reason != "" && err == nil {
				t.Error("accepted")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// An expires in the past refuses a signature even inside the window.
func TestVerifyMessageExpires(t *testing.T) {
	key, _ := rsaKeys(t)
	req, _ := http.NewRequest(http.MethodGet, inboxURL, nil)
	if err := SignMessageWith(req, nil, testKeyID, key, MessageOptions{Created: t0}); err != nil {
		t.Fatal(err)
	}
	// Add expires by re-signing the parsed input by hand is not possible
	// without the key, so sign a base that has it.
	m, _ := parseMessageSignature(req.Header)
	m.input.Params.Add("expires", t0.Add(30*time.Second).Unix())
	base, err := clientParts(req).signatureBase(m.components, m.input)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := signMessageBytes(key, base)
	in, _ := httpsfv.Marshal(httpsfv.List{m.input})
	req.Header.Set("Signature-Input", "sig1="+in)
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	r := received(req, nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	if _, err := VerifyRequest(context.Background(), r, nil, keyMap{testKeyID: &key.PublicKey}, t0.Add(10*time.Second)); err != nil {
		t.Errorf("before expires: %v", err)
	}
	_, err = VerifyRequest(context.Background(), r, nil, keyMap{testKeyID: &key.PublicKey}, t0.Add(time.Minute))
	if reasonOf(err) != ReasonStaleDate {
		t.Errorf("after expires: %v", err)
	}
}

// Ed25519 over RFC 9421 end to end over HTTP, and SignatureKeyID reads
// either scheme.
func TestSignMessageEd25519OverHTTP(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	srv := inboxServer(t, keyMap{testKeyID: pub})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/users/bob/inbox", nil)
	if err := SignMessage(req, testActivity, testKeyID, priv); err != nil {
		t.Fatal(err)
	}
	if id, err := SignatureKeyID(req); err != nil || id != testKeyID {
		t.Errorf("SignatureKeyID %q, %v", id, err)
	}
	resp, err := loopbackClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	cav, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	key, _ := rsaKeys(t)
	if err := SignRequest(cav, nil, testKeyID, key); err != nil {
		t.Fatal(err)
	}
	if id, err := SignatureKeyID(cav); err != nil || id != testKeyID {
		t.Errorf("cavage SignatureKeyID %q, %v", id, err)
	}
	if _, err := SignatureKeyID(&http.Request{Header: http.Header{}}); err == nil {
		t.Error("no signature, no error")
	}
	var se *SignatureError
	_, err = SignatureKeyID(&http.Request{Header: http.Header{"Signature-Input": {"x"}, "Signature": {"y"}}})
	if !errors.As(err, &se) {
		t.Errorf("malformed: %v", err)
	}
}
