package wellknown_test

import (
	"testing"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/testnet"
)

// NodeInfo's openRegistrations and /api/v1/instance's registrations say
// the node's sign-up mode truly (issue 12: NodeInfo said false on an open
// node).
func TestRegistrationsAreToldTruly(t *testing.T) {
	for _, c := range []struct {
		mode           string
		open, approval bool
	}{{"open", true, false}, {"approval", true, true}, {"closed", false, false}} {
		n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{Registrations: c.mode}})
		var ni struct {
			OpenRegistrations bool `json:"openRegistrations"`
		}
		n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &ni)
		var inst struct {
			Registrations    bool `json:"registrations"`
			ApprovalRequired bool `json:"approval_required"`
		}
		n.Do("GET", "/api/v1/instance", "", nil).JSON(t, &inst)
		if ni.OpenRegistrations != c.open || inst.Registrations != c.open || inst.ApprovalRequired != c.approval {
			t.Errorf("%s: nodeinfo %v, instance %+v", c.mode, ni.OpenRegistrations, inst)
		}
		n.Stop()
	}
}
