//! Similar proposals, shown while writing so people can support an existing one instead
//! (trigram similarity on title and summary, through pg_trgm and its GIN index).

use crate::error::Result;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Float4, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

/// Proposals shown at most.
pub const SHOWN: i64 = 5;

/// The least similarity (0–1) that counts. Japanese has no spaces, so a title is one long
/// "word" whose trigrams are runs of three characters; two titles on the same subject in other
/// words (「空き店舗を活用した子ども食堂」 / 「空き店舗で子ども食堂を開く」) share about a
/// quarter of them, while unrelated ones share almost none. pg_trgm's default (0.3) misses them.
pub const THRESHOLD: f64 = 0.2;

#[derive(Debug, Clone, QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Float4)]
    score: f32,
}

/// Up to `limit` public proposals whose title and summary resemble `text`, most similar first:
/// (id, title, state, score). `exclude` is the proposal being written. Blank text finds nothing.
pub fn similar(
    conn: &mut PgConnection,
    text: &str,
    exclude: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(Uuid, String, String, f32)>> {
    let text = text.trim();
    if text.is_empty() || limit <= 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = conn.transaction(|conn| {
        // `%` uses this threshold, and so the GIN index; LOCAL ends with the transaction.
        crate::db::prepared(
            diesel::sql_query("SELECT set_config('pg_trgm.similarity_threshold', $1, true)")
                .bind::<Text, _>(THRESHOLD.to_string()),
        )
        .execute(conn)?;
        crate::db::prepared(
            diesel::sql_query(
                "SELECT p.id, p.title, p.state,
                    similarity(p.title || ' ' || p.summary, $1) AS score
             FROM proposals p
             WHERE (p.title || ' ' || p.summary) % $1
               AND p.submitted_at IS NOT NULL
               AND ($2 IS NULL OR p.id <> $2)
               AND similarity(p.title || ' ' || p.summary, $1) >= $3
             ORDER BY score DESC, p.created_at DESC, p.id
             LIMIT $4",
            )
            .bind::<Text, _>(text)
            .bind::<Nullable<SqlUuid>, _>(exclude)
            .bind::<Double, _>(THRESHOLD)
            .bind::<BigInt, _>(limit),
        )
        .load(conn)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.title, r.state, r.score))
        .collect())
}
