package accounts

import (
	"context"
	"slices"

	"github.com/archipel-social/archipel/store"
)

// CanManage tells whether manager may change target's account: the node admin
// manages everyone, a unit admin the accounts of its unit and the units
// below it, anyone their own account.
func (s *Service) CanManage(ctx context.Context, manager, target *store.Account) (bool, error) {
	switch {
	case manager.ID == target.ID || manager.Role == store.RoleAdmin:
		return true, nil
	case manager.Role != store.RoleUnitAdmin || manager.UnitID == nil || target.UnitID == nil:
		return false, nil
	case target.Role == store.RoleAdmin:
		return false, nil
	}
	return s.inSubtree(ctx, *manager.UnitID, *target.UnitID)
}

func (s *Service) inSubtree(ctx context.Context, root, unit int64) (bool, error) {
	ids, err := s.Store.UnitSubtree(ctx, root)
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, unit), nil
}

// Rights is a change of tier, role or unit; nil fields stay as they are.
type Rights struct {
	Tier   *string
	Role   *string
	UnitID *int64
}

// SetRights changes target's rights when by may. A unit admin cannot make a
// node admin nor move an account out of its own units; by == nil is the
// operator at the command line.
func (s *Service) SetRights(ctx context.Context, by, target *store.Account, r Rights) error {
	next := *target
	if r.Tier != nil {
		if !ValidTier(*r.Tier) {
			return fieldErr("tier", "one of state, public, partner")
		}
		next.Tier = *r.Tier
	}
	if r.Role != nil {
		if !validRole(*r.Role) {
			return fieldErr("role", "one of admin, unit-admin, member")
		}
		next.Role = *r.Role
	}
	if r.UnitID != nil {
		if _, err := s.Store.UnitByID(ctx, *r.UnitID); err != nil {
			return fieldErr("unit", "no such unit")
		}
		next.UnitID = r.UnitID
	}
	if by != nil && by.Role != store.RoleAdmin {
		ok, err := s.CanManage(ctx, by, target)
		if err != nil {
			return err
		}
		if !ok || by.ID == target.ID || next.Role == store.RoleAdmin || by.Role != store.RoleUnitAdmin || next.UnitID == nil {
			return ErrForbidden
		}
		if ok, err := s.inSubtree(ctx, *by.UnitID, *next.UnitID); err != nil || !ok {
			return ErrForbidden
		}
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		// The tier as stored now, not as the caller last read it.
		current, err := tx.AccountByID(ctx, target.ID)
		if err != nil {
			return err
		}
		tier := current.Tier
		if r.Tier != nil {
			tier = *r.Tier
		}
		next.Tier = current.Tier
		if err := tx.UpdateAccountRights(ctx, &next); err != nil {
			return err
		}
		// The actor document publishes the tier, and a lower one takes the
		// person out of State-only groups at once.
		return s.applyTier(ctx, tx, &next, tier)
	})
}

// CreateUnit adds a unit: the node admin anywhere, a unit admin only below
// its own unit.
func (s *Service) CreateUnit(ctx context.Context, by *store.Account, name, kind string, parentID *int64) (*store.Unit, error) {
	if err := checkText("name", name, 200); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fieldErr("name", "required")
	}
	if kind == "" {
		kind = "service"
	}
	if kind != "region" && kind != "department" && kind != "service" && kind != "other" {
		return nil, fieldErr("kind", "one of region, department, service, other")
	}
	if parentID != nil {
		if _, err := s.Store.UnitByID(ctx, *parentID); err != nil {
			return nil, fieldErr("parent", "no such unit")
		}
	}
	if by != nil && by.Role != store.RoleAdmin {
		if by.Role != store.RoleUnitAdmin || by.UnitID == nil || parentID == nil {
			return nil, ErrForbidden
		}
		if ok, err := s.inSubtree(ctx, *by.UnitID, *parentID); err != nil || !ok {
			return nil, ErrForbidden
		}
	}
	u := &store.Unit{Name: name, Kind: kind, ParentID: parentID}
	return u, s.Store.CreateUnit(ctx, u)
}

// CanCreateGroup: State and public agents may; partners only when the node
// admin allows it.
func (s *Service) CanCreateGroup(ctx context.Context, acct *store.Account) (bool, error) {
	if acct.Tier != store.TierPartner || acct.Role == store.RoleAdmin {
		return true, nil
	}
	v, _, err := s.Store.Setting(ctx, store.SettingPartnersMayCreateGroups)
	return v == "true", err
}

// CanCreateAccount: the node admin creates any account; a unit admin creates
// member accounts in its unit and the units below it.
func (s *Service) CanCreateAccount(ctx context.Context, by *store.Account, role string, unitID *int64) (bool, error) {
	switch {
	case by.Role == store.RoleAdmin:
		return true, nil
	case by.Role != store.RoleUnitAdmin || by.UnitID == nil || unitID == nil || role != store.RoleMember:
		return false, nil
	}
	return s.inSubtree(ctx, *by.UnitID, *unitID)
}
