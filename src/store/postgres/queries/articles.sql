-- Named queries of the PostgreSQL backend: articles (the role of store/articles.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Articles: id, slug, title, standfirst, author, section, body, url, published_at,
-- feed_id, feed_url, guid, image. The public pages read only the publication's own
-- (feed_id IS NULL); a feed's articles live on their own site.

-- name: insert_article
INSERT INTO articles (slug, title, standfirst, author, section, body, url, published_at,
                      created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: latest_articles
SELECT id, slug, title, standfirst, author, section, body, url, published_at, feed_id,
       '' AS feed_url, guid, image
FROM articles
WHERE feed_id IS NULL
ORDER BY published_at DESC, id DESC
LIMIT $1;

-- name: article_by_slug
SELECT id, slug, title, standfirst, author, section, body, url, published_at, feed_id,
       '' AS feed_url, guid, image
FROM articles
WHERE slug = $1 AND feed_id IS NULL;

-- name: insert_feed_article
-- A feed's article unless it is known: the same GUID in this feed, or the same link in
-- any article. No row returned: a duplicate. The caller holds the feed's row lock
-- (lock_feed), so two pollers of one feed cannot both add the same item.
INSERT INTO articles (slug, title, standfirst, author, section, url, published_at,
                      created_at, feed_id, guid, image)
SELECT format('feed-%s-%s', $1::bigint, left(replace(gen_random_uuid()::text, '-', ''), 16)),
       $2, $3, $4, $5, $6::text, $7, $8, $1::bigint, $9::text, $10
WHERE NOT EXISTS (SELECT 1 FROM articles
                  WHERE $9::text <> '' AND feed_id = $1::bigint AND guid = $9::text)
  AND NOT EXISTS (SELECT 1 FROM articles WHERE $6::text <> '' AND url = $6::text)
RETURNING id;

-- name: list_articles
SELECT a.id, a.slug, a.title, a.standfirst, a.author, a.section, a.body, a.url,
       a.published_at, a.feed_id, coalesce(f.url, '') AS feed_url, a.guid, a.image
FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id
WHERE a.published_at >= $1
ORDER BY a.published_at DESC, a.id DESC
LIMIT $2;

-- name: newsletter_articles
-- $1 newsletter, $2 since, $3 limit: the articles of the newsletter's feeds.
SELECT a.id, a.slug, a.title, a.standfirst, a.author, a.section, a.body, a.url,
       a.published_at, a.feed_id, f.url AS feed_url, a.guid, a.image
FROM articles a JOIN feeds f ON f.id = a.feed_id
WHERE f.newsletter_id = $1 AND a.published_at >= $2
ORDER BY a.published_at DESC, a.id DESC
LIMIT $3;
