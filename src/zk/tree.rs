//! The znode tree: paths, data, versions, ephemeral owners. Writes bump the
//! zxid; a znode's parent must exist and must not be ephemeral.

use crate::protocol::{SessionId, Stat, ZkError};
use std::collections::BTreeMap;

/// One znode.
#[derive(Clone, Debug, PartialEq)]
pub struct Znode {
    /// Its data.
    pub data: String,
    /// Its metadata.
    pub stat: Stat,
}

/// All znodes by path ("/" is implicit and always present).
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Znode>,
    zxid: u64,
    sequences: BTreeMap<String, u32>,
}

/// Parent path of `path` ("/" for top-level nodes).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

impl Tree {
    /// The znode at `path`.
    pub fn get(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path)
    }

    /// True when `path` exists ("/" always does).
    pub fn exists(&self, path: &str) -> bool {
        path == "/" || self.nodes.contains_key(path)
    }

    /// Every znode, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Znode)> {
        self.nodes.iter()
    }

    /// Sorted names of the children of `path`.
    pub fn children(&self, path: &str) -> Vec<String> {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, _)| {
                let rest = &p[prefix.len()..];
                (!rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }

    /// Creates a znode owned by `owner` (0 = persistent).
    pub fn create(&mut self, path: &str, data: &str, owner: SessionId) -> Result<Stat, ZkError> {
        if self.exists(path) {
            return Err(ZkError::NodeExists);
        }
        let p = parent(path);
        if !self.exists(p) {
            return Err(ZkError::NoNode);
        }
        if self
            .nodes
            .get(p)
            .is_some_and(|n| n.stat.ephemeral_owner != 0)
        {
            return Err(ZkError::NoChildrenForEphemerals);
        }
        self.zxid += 1;
        let stat = Stat {
            czxid: self.zxid,
            mzxid: self.zxid,
            version: 0,
            ephemeral_owner: owner,
        };
        self.nodes.insert(
            path.to_string(),
            Znode {
                data: data.to_string(),
                stat,
            },
        );
        Ok(stat)
    }

    /// The next sequence number for a sequential child of `parent` (what
    /// ZooKeeper takes from the parent's child version), 10 digits.
    pub fn next_sequence(&mut self, parent: &str) -> String {
        let n = self.sequences.entry(parent.to_string()).or_insert(0);
        let s = format!("{:010}", *n);
        *n += 1;
        s
    }

    /// Deletes a childless znode if its version matches.
    pub fn delete(&mut self, path: &str, version: Option<i32>) -> Result<Znode, ZkError> {
        let node = self.nodes.get(path).ok_or(ZkError::NoNode)?;
        if version.is_some_and(|v| v != node.stat.version) {
            return Err(ZkError::BadVersion);
        }
        if !self.children(path).is_empty() {
            return Err(ZkError::NotEmpty);
        }
        self.zxid += 1;
        Ok(self.nodes.remove(path).expect("checked above"))
    }

    /// Replaces a znode's data if its version matches.
    pub fn set_data(
        &mut self,
        path: &str,
        data: &str,
        version: Option<i32>,
    ) -> Result<Stat, ZkError> {
        let zxid = self.zxid + 1;
        let node = self.nodes.get_mut(path).ok_or(ZkError::NoNode)?;
        if version.is_some_and(|v| v != node.stat.version) {
            return Err(ZkError::BadVersion);
        }
        node.data = data.to_string();
        node.stat.version += 1;
        node.stat.mzxid = zxid;
        self.zxid = zxid;
        Ok(node.stat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_needs_parent_and_rejects_duplicates() {
        let mut t = Tree::default();
        assert_eq!(t.create("/a/b", "", 0), Err(ZkError::NoNode));
        t.create("/a", "", 0).unwrap();
        t.create("/a/b", "x", 7).unwrap();
        assert_eq!(t.create("/a/b", "y", 0), Err(ZkError::NodeExists));
        assert_eq!(
            t.create("/a/b/c", "", 0),
            Err(ZkError::NoChildrenForEphemerals)
        );
        assert_eq!(t.children("/a"), vec!["b".to_string()]);
        assert_eq!(t.children("/"), vec!["a".to_string()]);
        assert_eq!(t.get("/a/b").unwrap().stat.ephemeral_owner, 7);
    }

    #[test]
    fn versions_guard_writes() {
        let mut t = Tree::default();
        t.create("/e", "0", 0).unwrap();
        assert_eq!(t.set_data("/e", "1", Some(3)), Err(ZkError::BadVersion));
        assert_eq!(t.set_data("/e", "1", Some(0)).unwrap().version, 1);
        assert_eq!(t.delete("/e", Some(0)), Err(ZkError::BadVersion));
        t.create("/e/c", "", 0).unwrap();
        assert_eq!(t.delete("/e", None), Err(ZkError::NotEmpty));
        t.delete("/e/c", None).unwrap();
        t.delete("/e", Some(1)).unwrap();
        assert!(!t.exists("/e"));
        assert_eq!(parent("/e"), "/");
        assert_eq!(parent("/brokers/ids/1"), "/brokers/ids");
    }
}
