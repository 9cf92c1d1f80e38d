// Package webpush encrypts and signs Web Push messages: RFC 8291 message
// encryption (the aes128gcm content coding of RFC 8188) and RFC 8292 VAPID,
// the JWT by which a push service knows which server sends. No Go library
// for it is served by the module proxy this project uses; this is the
// standard library's ECDH, HKDF and AES-GCM, and go-jose for the JWT.
package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Sizes of RFC 8291.
const (
	saltBytes   = 16
	authBytes   = 16
	publicBytes = 65 // an uncompressed P-256 point
	// recordSize is the one record's size (RFC 8188 rs); a push message is
	// a single record.
	recordSize = 4096
	// MaxPayload is the largest plaintext that fits the one record: rs
	// less the padding delimiter and the AES-GCM tag.
	MaxPayload = recordSize - 1 - 16
)

// DecodeKey reads a base64url key as subscriptions carry it (padded or
// not; some browsers send standard base64).
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimSpace(s)), "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// CheckSubscriptionKeys tells whether a browser's keys are usable: a P-256
// public key and a 16-byte auth secret.
func CheckSubscriptionKeys(p256dh, auth string) error {
	pub, err := DecodeKey(p256dh)
	if err != nil || len(pub) != publicBytes {
		return errors.New("keys.p256dh must be a base64url P-256 public key (65 bytes)")
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return errors.New("keys.p256dh is not a point of P-256")
	}
	if a, err := DecodeKey(auth); err != nil || len(a) != authBytes {
		return errors.New("keys.auth must be a base64url secret of 16 bytes")
	}
	return nil
}

// Encrypt encrypts plaintext for the browser whose keys a subscription
// gives (RFC 8291 section 3), as one aes128gcm record whose header carries
// the salt and this message's own ephemeral public key.
func Encrypt(plaintext []byte, p256dh, auth string) ([]byte, error) {
	if len(plaintext) > MaxPayload {
		return nil, fmt.Errorf("webpush: payload of %d bytes, at most %d", len(plaintext), MaxPayload)
	}
	uaPublic, err := DecodeKey(p256dh)
	if err != nil {
		return nil, err
	}
	secret, err := DecodeKey(auth)
	if err != nil {
		return nil, err
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("webpush: p256dh: %w", err)
	}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	shared, err := as.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPublic := as.PublicKey().Bytes()
	// key_info = "WebPush: info" || 0x00 || ua_public || as_public
	info := append(append([]byte("WebPush: info\x00"), uaPublic...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, secret, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The last (and only) record ends with the delimiter 0x02.
	record := gcm.Seal(nil, nonce, append(append([]byte{}, plaintext...), 0x02), nil)
	header := make([]byte, 0, saltBytes+4+1+len(asPublic)+len(record))
	header = append(header, salt...)
	header = binary.BigEndian.AppendUint32(header, recordSize)
	header = append(header, byte(len(asPublic)))
	header = append(header, asPublic...)
	return append(header, record...), nil
}

// VAPID is a server's key pair for RFC 8292.
type VAPID struct {
	Key *ecdsa.PrivateKey
	// Subject is a mailto: or https: URL push services may contact.
	Subject string
}

// NewVAPIDKey makes a P-256 key pair, in the raw form ParseVAPIDKey reads.
func NewVAPIDKey() (string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	raw, err := k.Bytes()
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// ParseVAPIDKey reads a private key NewVAPIDKey made.
func ParseVAPIDKey(s string) (*ecdsa.PrivateKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
}

// PublicKey is the application server key browsers subscribe with
// (base64url of the uncompressed point, Mastodon's vapid_key).
func (v VAPID) PublicKey() string {
	raw, _ := v.Key.PublicKey.Bytes()
	return base64.RawURLEncoding.EncodeToString(raw)
}

// vapidLifetime is how long a VAPID token is valid (at most 24 h).
const vapidLifetime = 12 * time.Hour

// Authorization is the Authorization header of a push to endpoint:
// "vapid t=<JWT for the endpoint's origin>, k=<public key>".
func (v VAPID) Authorization(endpoint string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", errors.New("webpush: the endpoint is not a URL")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: v.Key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	token, err := jwt.Signed(signer).Claims(jwt.Claims{
		Audience: jwt.Audience{u.Scheme + "://" + u.Host},
		Expiry:   jwt.NewNumericDate(now.Add(vapidLifetime)),
		Subject:  v.Subject,
	}).Serialize()
	if err != nil {
		return "", err
	}
	return "vapid t=" + token + ", k=" + v.PublicKey(), nil
}
