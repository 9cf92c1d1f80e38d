package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// Ed25519 keys as FEP-521a publishes them: a Multikey whose
// publicKeyMultibase is "z" (base58btc) + base58(0xed 0x01 + the 32-byte
// key), 0xed01 being the varint multicodec of ed25519-pub.

// ed25519Multicodec is the varint of the ed25519-pub multicodec (0xed).
var ed25519Multicodec = []byte{0xed, 0x01}

// GenerateEd25519 makes an Ed25519 key pair: the private key PEM-encoded
// (PKCS#8, read back by ParsePrivateKey) and the public key as a Multikey
// publicKeyMultibase.
func GenerateEd25519() (privatePEM, publicMultibase string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate Ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), Ed25519Multibase(pub), nil
}

// Ed25519Multibase encodes an Ed25519 public key as publicKeyMultibase.
func Ed25519Multibase(pub ed25519.PublicKey) string {
	return "z" + base58Encode(append(append([]byte{}, ed25519Multicodec...), pub...))
}

// ParseEd25519Multibase reads a publicKeyMultibase that holds an Ed25519
// key; any other base or key type is refused.
func ParseEd25519Multibase(s string) (ed25519.PublicKey, error) {
	if len(s) < 2 || s[0] != 'z' || len(s) > 64 {
		return nil, errors.New("multikey: not a base58btc multibase value")
	}
	b, err := base58Decode(s[1:])
	if err != nil {
		return nil, fmt.Errorf("multikey: %w", err)
	}
	if !bytes.HasPrefix(b, ed25519Multicodec) || len(b) != len(ed25519Multicodec)+ed25519.PublicKeySize {
		return nil, errors.New("multikey: not an ed25519-pub key")
	}
	return ed25519.PublicKey(b[len(ed25519Multicodec):]), nil
}

// The Bitcoin base58 alphabet, which base58btc is.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var big58 = big.NewInt(58)

// base58Encode: leading zero bytes become '1's, the rest is the number
// written in base 58. Keys are 34 bytes, so big.Int's cost does not matter.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big58, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	n := new(big.Int)
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		d := bytes.IndexByte([]byte(base58Alphabet), s[i])
		if d < 0 {
			return nil, fmt.Errorf("%q is not a base58 digit", s[i])
		}
		n.Mul(n, big58)
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}
