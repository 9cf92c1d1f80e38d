package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
)

// Bitcoin's base58 vectors (base58_encode_decode.json).
func TestBase58Vectors(t *testing.T) {
	for _, tt := range []struct{ hex, b58 string }{
		{"", ""},
		{"61", "2g"},
		{"626262", "a3gV"},
		{"636363", "aPEr"},
		{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
		{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
		{"516b6fcd0f", "ABnLTmg"},
		{"00000000000000000000", "1111111111"},
	} {
		b, _ := hex.DecodeString(tt.hex)
		if got := base58Encode(b); got != tt.b58 {
			t.Errorf("encode %s: %s, want %s", tt.hex, got, tt.b58)
		}
		got, err := base58Decode(tt.b58)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("decode %s: %x %v, want %s", tt.b58, got, err, tt.hex)
		}
	}
	if _, err := base58Decode("0OIl"); err == nil {
		t.Error("0OIl decoded")
	}
}

func TestEd25519Multibase(t *testing.T) {
	privPEM, mb, err := GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	// Every ed25519-pub Multikey starts z6Mk (the 0xed01 prefix).
	if !strings.HasPrefix(mb, "z6Mk") || len(mb) != 48 {
		t.Errorf("multibase %s", mb)
	}
	priv, err := ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParseEd25519Multibase(mb)
	if err != nil || !pub.Equal(priv.(ed25519.PrivateKey).Public()) {
		t.Fatalf("round trip: %v", err)
	}
	// FEP-521a's example key decodes as an ed25519-pub key.
	if _, err := ParseEd25519Multibase("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"); err != nil {
		t.Errorf("FEP-521a example: %v", err)
	}
	for _, bad := range []string{"", "z", "m6Mk", "zzzz", "z" + base58Encode([]byte{0x12, 0x00, 1, 2, 3}),
		"z" + base58Encode(append([]byte{0xe7, 0x01}, make([]byte, 33)...)), // secp256k1-pub
		"z" + base58Encode(append([]byte{0xed, 0x01}, make([]byte, 31)...)), // short
		"z" + strings.Repeat("2", 100)} {
		if _, err := ParseEd25519Multibase(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
