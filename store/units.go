package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Unit is an organisation unit (region > department > service).
type Unit struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
}

// CreateUnit inserts a unit.
func (s *Store) CreateUnit(ctx context.Context, u *Unit) error {
	return s.db.QueryRow(ctx, `insert into units (parent_id, name, kind) values ($1, $2, $3) returning id`,
		u.ParentID, u.Name, u.Kind).Scan(&u.ID)
}

// UnitByID loads a unit.
func (s *Store) UnitByID(ctx context.Context, id int64) (*Unit, error) {
	var u Unit
	err := s.db.QueryRow(ctx, `select id, parent_id, name, kind from units where id = $1`, id).
		Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &u, nil
}

// Units lists every unit, parents before children.
func (s *Store) Units(ctx context.Context) ([]Unit, error) {
	rows, err := s.db.Query(ctx, `with recursive tree as (
		select id, parent_id, name, kind, array[id] as path from units where parent_id is null
		union all select u.id, u.parent_id, u.name, u.kind, t.path || u.id from units u join tree t on u.parent_id = t.id)
		select id, parent_id, name, kind from tree order by path`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unit, error) {
		var u Unit
		err := r.Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind)
		return u, err
	})
}

// UnitSubtree returns a unit's id and the ids of every unit below it.
func (s *Store) UnitSubtree(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.db.Query(ctx, `with recursive tree as (
		select id from units where id = $1
		union all select u.id from units u join tree t on u.parent_id = t.id)
		select id from tree`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
