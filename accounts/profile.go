package accounts

import (
	"context"
	"strings"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// Profile is what a person edits about themselves; nil fields stay unchanged.
type Profile struct {
	DisplayName               *string
	Bio                       *string
	Organisation              *string
	UnitName                  *string
	JobTitle                  *string
	Skills                    []string // replaced when SkillsSet
	SkillsSet                 bool
	ManuallyApprovesFollowers *bool
}

// UpdateProfile validates and writes a profile, returning the new actor row.
func (s *Service) UpdateProfile(ctx context.Context, actorID int64, p Profile) (*store.Actor, error) {
	a, err := s.Store.ActorByID(ctx, actorID)
	if err != nil {
		return nil, err
	}
	set := func(field string, dst *string, v *string, max int) error {
		if v == nil {
			return nil
		}
		val := strings.TrimSpace(*v)
		if err := checkText(field, val, max); err != nil {
			return err
		}
		*dst = val
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
		max  int
	}{
		{"display_name", &a.DisplayName, p.DisplayName, MaxDisplayName},
		{"note", &a.Summary, p.Bio, MaxBio},
		{"organisation", &a.Organisation, p.Organisation, MaxProfileField},
		{"unit", &a.UnitName, p.UnitName, MaxProfileField},
		{"job_title", &a.JobTitle, p.JobTitle, MaxProfileField},
	} {
		if err := set(f.name, f.dst, f.v, f.max); err != nil {
			return nil, err
		}
	}
	// The bio is plain text; what pages and peers show is made from it.
	a.SummaryHTML = markup.LinkedTextToHTML(a.Summary)
	if p.ManuallyApprovesFollowers != nil {
		a.ManuallyApprovesFollowers = *p.ManuallyApprovesFollowers
	}
	var skills []string
	if p.SkillsSet {
		if skills, err = CleanSkills(p.Skills); err != nil {
			return nil, err
		}
	}
	err = s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateProfile(ctx, a); err != nil {
			return err
		}
		if p.SkillsSet {
			return tx.SetSkills(ctx, a.ID, skills)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.ActorByID(ctx, actorID)
}

// CleanSkills trims labels, drops empty ones and enforces the limits.
func CleanSkills(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, l := range in {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			continue
		}
		if err := checkText("skills", l, MaxSkillLength); err != nil {
			return nil, err
		}
		if strings.ContainsAny(l, "·,#") {
			return nil, fieldErr("skills", "a skill cannot contain ·, # or a comma")
		}
		out = append(out, l)
	}
	if len(out) > MaxSkills {
		return nil, fieldErr("skills", "at most %d skills", MaxSkills)
	}
	return out, nil
}
