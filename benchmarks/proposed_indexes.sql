-- Indexes proposed in docs/performance.md, created by hand in the benchmark database only
-- (preciate_bench) to measure their effect. Not a migration: the owners of
-- organizations/models.py decide, and would add them as Meta.indexes.
--
--   psql -h 127.0.0.1 -U postgres preciate_bench -f benchmarks/proposed_indexes.sql
--   psql -h 127.0.0.1 -U postgres preciate_bench -c 'DROP INDEX bench_member_org_scim_visible, ...'

-- SCIM GET /Users (scim/views.py UserList.get): COUNT(*) and the startIndex/count page walk
-- only (organization_id, id) of non-deleted members: index-only scans instead of the heap.
CREATE INDEX IF NOT EXISTS bench_member_org_scim_visible
    ON organizations_member (organization_id, id) WHERE scim_deleted_at IS NULL;

-- SCIM POST (organizations/services.py provision_member): the userName look-up that also
-- finds retired people has no usable index since migration 0002 made
-- member_username_unique_ci partial (WHERE scim_deleted_at IS NULL). A plain index on the
-- same expression serves it, and gives the planner statistics on lower(user_name) again
-- (the partial index's expression gets none), which the SCIM userName filter needs to
-- stop choosing a parallel plan for a one-row match.
CREATE INDEX IF NOT EXISTS bench_member_org_username_ci
    ON organizations_member (organization_id, lower(user_name::text));

-- Present people (MemberQuerySet.present): the portal home headcount and the three
-- headcount groupings of organizations/reports.py headcount(), as index-only scans.
CREATE INDEX IF NOT EXISTS bench_member_org_present
    ON organizations_member (organization_id, department_id, location_id)
    WHERE idp_active AND admin_removed_at IS NULL AND scim_deleted_at IS NULL;

-- Portal people search by name prefix (organizations/forms.py search_people): Django's
-- istartswith is UPPER(col) LIKE UPPER('x%'); text_pattern_ops makes LIKE 'X%' a range
-- scan under any collation.
CREATE INDEX IF NOT EXISTS bench_member_org_given_upper
    ON organizations_member (organization_id, upper(given_name::text) text_pattern_ops);
CREATE INDEX IF NOT EXISTS bench_member_org_family_upper
    ON organizations_member (organization_id, upper(family_name::text) text_pattern_ops);
CREATE INDEX IF NOT EXISTS bench_member_org_display_upper
    ON organizations_member (organization_id, upper(display_name::text) text_pattern_ops);

-- Portal people filter "added by hand" (source=manual): few rows, so a small partial index.
CREATE INDEX IF NOT EXISTS bench_member_org_manual
    ON organizations_member (organization_id, family_name, given_name, id) WHERE NOT managed_by_idp;

-- Django admin member changelist across organizations (organizations/admin.py MemberAdmin):
-- Meta.ordering (family_name, given_name, id) without an organization filter.
CREATE INDEX IF NOT EXISTS bench_member_name
    ON organizations_member (family_name, given_name, id);

ANALYZE organizations_member;
