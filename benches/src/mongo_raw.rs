//! The baseline on the official mongodb driver: the same documents the adapter writes (ObjectId
//! `_id` and `userId`, BSON dates), read into typed fields.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, DateTime as BsonDate, Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};

use crate::raw::{Raw, email, token};

fn bdate(d: DateTime<Utc>) -> BsonDate {
    BsonDate::from_millis(d.timestamp_millis())
}

/// The ObjectId of seeded user `i`.
pub fn user_oid(i: usize) -> ObjectId {
    ObjectId::parse_str(format!("a{i:023x}")).expect("hex")
}

/// Decodes the fields a typed user or session needs (what the adapter also does).
fn decode(d: &Document) -> usize {
    let mut n = 0;
    for (k, v) in d {
        n += k.len();
        match v {
            Bson::String(s) => n += s.len(),
            Bson::ObjectId(o) => n += o.to_hex().len(),
            Bson::DateTime(t) => {
                n += DateTime::<Utc>::from_timestamp_millis(t.timestamp_millis()).map_or(0, |d| d.timestamp_subsec_millis() as usize)
            }
            Bson::Document(inner) => n += decode(inner),
            _ => n += 1,
        }
    }
    n
}

/// The mongodb-driver baseline.
pub struct MongoRaw {
    users: Collection<Document>,
    sessions: Collection<Document>,
    verifications: Collection<Document>,
}

impl MongoRaw {
    /// On the database the adapter uses.
    pub fn new(db: &Database) -> Self {
        MongoRaw {
            users: db.collection("user"),
            sessions: db.collection("session"),
            verifications: db.collection("verification"),
        }
    }

    async fn insert_chunks(coll: &Collection<Document>, docs: impl Iterator<Item = Document>) {
        let mut chunk = Vec::with_capacity(10_000);
        for d in docs {
            chunk.push(d);
            if chunk.len() == 10_000 {
                coll.insert_many(std::mem::take(&mut chunk)).await.expect("seed");
            }
        }
        if !chunk.is_empty() {
            coll.insert_many(chunk).await.expect("seed");
        }
    }
}

impl Raw for MongoRaw {
    fn user_id(&self, i: usize) -> String {
        user_oid(i).to_hex()
    }

    async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize {
        let d = doc! { "_id": ObjectId::new(), "name": name, "email": email, "emailVerified": false,
            "image": Bson::Null, "createdAt": bdate(now), "updatedAt": bdate(now) };
        self.users.insert_one(&d).await.expect("insert user");
        decode(&d)
    }

    async fn find_user_by_email(&mut self, e: &str) -> bool {
        self.users.find_one(doc! { "email": e }).await.expect("find user").map(|d| decode(&d)).is_some()
    }

    async fn create_session(&mut self, user_id: &str, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        let uid = ObjectId::parse_str(user_id).expect("oid");
        let d = doc! { "_id": ObjectId::new(), "expiresAt": bdate(expires), "token": t, "createdAt": bdate(now),
            "updatedAt": bdate(now), "ipAddress": Bson::Null, "userAgent": Bson::Null, "userId": uid };
        self.sessions.insert_one(&d).await.expect("insert session");
        decode(&d)
    }

    async fn find_session(&mut self, t: &str) -> bool {
        let pipeline = vec![
            doc! { "$match": { "token": t } },
            doc! { "$limit": 1 },
            doc! { "$lookup": { "from": "user", "localField": "userId", "foreignField": "_id", "as": "user" } },
            doc! { "$unwind": "$user" },
        ];
        let mut cur = self.sessions.aggregate(pipeline).await.expect("aggregate");
        cur.try_next().await.expect("next").map(|d| decode(&d)).is_some()
    }

    async fn update_session(&mut self, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.sessions
            .find_one_and_update(doc! { "token": t }, doc! { "$set": { "expiresAt": bdate(expires), "updatedAt": bdate(now) } })
            .return_document(ReturnDocument::After)
            .await
            .expect("update")
            .map(|d| decode(&d))
            .is_some()
    }

    async fn list_sessions(&mut self, user_id: &str) -> usize {
        let uid = ObjectId::parse_str(user_id).expect("oid");
        let docs: Vec<Document> = self
            .sessions
            .find(doc! { "userId": uid })
            .sort(doc! { "createdAt": -1 })
            .await
            .expect("find")
            .try_collect()
            .await
            .expect("collect");
        docs.iter().map(decode).sum()
    }

    async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool {
        self.verifications
            .find_one_and_delete(doc! { "identifier": identifier, "value": value, "expiresAt": { "$gt": bdate(now) } })
            .await
            .expect("consume")
            .map(|d| decode(&d))
            .is_some()
    }

    async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64 {
        self.sessions.delete_many(doc! { "expiresAt": { "$lt": bdate(now) } }).await.expect("delete").deleted_count
    }

    async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize {
        let uid = ObjectId::parse_str(user_id).expect("oid");
        let docs: Vec<Document> = self
            .sessions
            .find(doc! { "userId": uid, "expiresAt": { "$gt": bdate(now) } })
            .sort(doc! { "expiresAt": -1 })
            .limit(5)
            .await
            .expect("find")
            .try_collect()
            .await
            .expect("collect");
        docs.iter().map(decode).sum()
    }

    async fn seed_users(&mut self, from: usize, to: usize) {
        let now = bdate(Utc::now());
        Self::insert_chunks(
            &self.users,
            (from..to).map(|i| {
                doc! { "_id": user_oid(i), "name": format!("User {i}"), "email": email(i), "emailVerified": false,
                "image": Bson::Null, "createdAt": now, "updatedAt": now }
            }),
        )
        .await;
    }

    async fn seed_sessions(&mut self, from: usize, to: usize, users: usize) {
        let now = Utc::now();
        let exp = bdate(now + chrono::Duration::days(7));
        Self::insert_chunks(
            &self.sessions,
            (from..to).map(|i| {
                doc! { "_id": ObjectId::new(), "expiresAt": exp, "token": token(i),
                "createdAt": bdate(now - chrono::Duration::seconds((to - i) as i64)), "updatedAt": bdate(now),
                "ipAddress": Bson::Null, "userAgent": Bson::Null, "userId": user_oid(i % users) }
            }),
        )
        .await;
    }

    async fn seed_expired(&mut self, tag: &str, n: usize, users: usize) {
        let now = Utc::now();
        let exp = bdate(now - chrono::Duration::days(1));
        Self::insert_chunks(
            &self.sessions,
            (0..n).map(|i| {
                doc! { "_id": ObjectId::new(), "expiresAt": exp, "token": format!("exp{tag}_{i}"),
                "createdAt": bdate(now), "updatedAt": bdate(now), "ipAddress": Bson::Null, "userAgent": Bson::Null,
                "userId": user_oid(i % users) }
            }),
        )
        .await;
    }

    async fn seed_verifications(&mut self, prefix: &str, n: usize) {
        let now = Utc::now();
        Self::insert_chunks(
            &self.verifications,
            (0..n).map(|i| {
                doc! { "_id": ObjectId::new(), "identifier": format!("{prefix}{i}"), "value": format!("val{i}"),
                "expiresAt": bdate(now + chrono::Duration::hours(1)), "createdAt": bdate(now), "updatedAt": bdate(now) }
            }),
        )
        .await;
    }

    async fn analyze(&mut self) {}
}
