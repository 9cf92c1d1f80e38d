package ap

import (
	"github.com/archipel-social/archipel/keys"

	"github.com/archipel-social/archipel/store"
)

// NewLocalActor prepares the row of a new local actor with its URLs and a
// fresh RSA key pair; the caller inserts it.
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
	a := &store.Actor{
		URI: uri, Type: typ, Username: username, Host: l.Host(), Local: true, DisplayName: displayName,
		Inbox: l.Inbox(uri), Outbox: l.Outbox(uri), Followers: l.Followers(uri), SharedInbox: l.SharedInbox(),
		PublicKeyID: l.KeyID(uri), PublicKeyPEM: pub, PrivateKeyPEM: priv,
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
