/**
 * PostgreSQL migration 0006: a link's JSON document keeps the fields its writer did not know.
 *
 * Replicas of two versions share one database during a rolling upgrade. An older replica parses a
 * link's document with zod's `z.object`, which strips keys it does not know, and writes the whole
 * document back whenever it updates the link: an edit, and also on its own when a link's status
 * changes (a refresh that meets `invalid_grant`, an authorization). Release 0.1.0 does exactly this,
 * and would erase `outgoing.secretExpiresAt` (added after it) from every link whose status it
 * touches. Released code cannot be changed, so the database keeps the fields instead: on every
 * UPDATE of `links.document`, a key present in the old document and absent from the new one is
 * carried over, recursively through nested objects. A key the writer sent (null included) always
 * wins, so the newest version, which writes every field it knows, is never overridden; arrays and
 * scalars are replaced whole.
 *
 * A contract step that really removes a field must disable this trigger around its UPDATE (see the
 * rules in `../migrations.ts`). SQLite has no counterpart: one process serves a SQLite store (the
 * server lock), so two versions never write it at once.
 */
export const KEEP_DOCUMENT_FIELDS_SQL = `
      CREATE FUNCTION applinks_keep_missing_keys(old_value jsonb, new_value jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE AS $fn$
      DECLARE
        merged jsonb := new_value;
        k text;
      BEGIN
        IF jsonb_typeof(old_value) IS DISTINCT FROM 'object' OR jsonb_typeof(new_value) IS DISTINCT FROM 'object' THEN
          RETURN new_value;
        END IF;
        FOR k IN SELECT jsonb_object_keys(old_value) LOOP
          IF merged ? k THEN
            merged := jsonb_set(merged, ARRAY[k], applinks_keep_missing_keys(old_value -> k, merged -> k));
          ELSE
            merged := merged || jsonb_build_object(k, old_value -> k);
          END IF;
        END LOOP;
        RETURN merged;
      END
      $fn$;

      CREATE FUNCTION links_keep_document_fields() RETURNS trigger
      LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.document := applinks_keep_missing_keys(OLD.document, NEW.document);
        RETURN NEW;
      END
      $fn$;

      CREATE TRIGGER links_keep_document_fields BEFORE UPDATE OF document ON links
      FOR EACH ROW EXECUTE FUNCTION links_keep_document_fields();
    `;
