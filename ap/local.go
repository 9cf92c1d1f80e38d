package ap

import (
	"github.com/archipel-social/archipel/keys"

	"github.com/archipel-social/archipel/store"
)

// NewLocalActor prepares the row of a new local actor with its URLs and
// fresh key pairs, RSA (what every peer verifies) and Ed25519 (cheaper, for
// the peers that publish Ed25519 keys too); the caller inserts it.
func (l Links) NewLocalActor(typ, username, displayName string) (*store.Actor, error) {
	var uri string
	switch typ {
	case store.TypeGroup:
		uri = l.Group(username)
	case store.TypeApplication:
		uri = l.InstanceActor()
	default:
		uri = l.Person(username)
	}
	priv, pub, err := keys.GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	edPriv, edPub, err := keys.GenerateEd25519()
	if err != nil {
		return nil, err
	}
	a := &store.Actor{
		URI: uri, Type: typ, Username: username, Host: l.Host(), Local: true, DisplayName: displayName,
		Inbox: l.Inbox(uri), Outbox: l.Outbox(uri), Followers: l.Followers(uri), SharedInbox: l.SharedInbox(),
		PublicKeyID: l.KeyID(uri), PublicKeyPEM: pub, PrivateKeyPEM: priv,
		Ed25519KeyID: l.Ed25519KeyID(uri), Ed25519PublicKey: edPub, Ed25519PrivatePEM: edPriv,
	}
	switch typ {
	case store.TypePerson:
		a.Following = l.Following(uri)
		a.URL = l.Profile(username, false)
	case store.TypeGroup:
		a.URL = l.Profile(username, true)
	default:
		a.URL = l.Base + "/"
	}
	return a, nil
}
