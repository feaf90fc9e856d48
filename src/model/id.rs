//! Typed ids and the arenas they index.
//!
//! Every component kind lives in an `Arena<KindId, Kind>`: a `Vec` that can
//! be indexed only with its own id type, so `world.dbs[lb]` does not compile.
//! Ids keep the width the bare integers had (events stay 16 bytes) and cost
//! nothing at run time: indexing is `Vec` indexing behind an `#[inline]`.
//!
//! Mixing ids does not compile:
//!
//! ```compile_fail
//! use firedrill::model::id::{Arena, DbId, LbId};
//! let dbs: Arena<DbId, u8> = vec![7].into();
//! let _ = dbs[LbId(0)];
//! ```
//!
//! ```compile_fail
//! use firedrill::model::id::{Arena, DbId};
//! let dbs: Arena<DbId, u8> = vec![7].into();
//! let _ = dbs[0usize];
//! ```
//!
//! ```
//! use firedrill::model::id::{Arena, DbId};
//! let dbs: Arena<DbId, u8> = vec![7].into();
//! assert_eq!(dbs[DbId(0)], 7);
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An id that indexes an [`Arena`].
pub trait Id: Copy {
    fn index(self) -> usize;
    fn from_index(index: usize) -> Self;
}

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident($repr:ty);)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $repr);

        impl $name {
            /// The position in the arena.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl Id for $name {
            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
            #[inline]
            fn from_index(index: usize) -> Self {
                debug_assert!(index <= <$repr>::MAX as usize);
                $name(index as $repr)
            }
        }

        /// Prints the bare number, as the integer it replaced did.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

ids! {
    /// An instance or database node (`World::servers`).
    ServerId(u32);
    /// A load balancer (`World::lbs`).
    LbId(u16);
    /// A database (`World::dbs`).
    DbId(u16);
    /// A cache cluster (`World::caches`).
    CacheId(u16);
    /// An EBS-style volume (`World::volumes`).
    VolumeId(u32);
    /// A tier of instances (`World::tiers`).
    TierId(u16);
    /// An external dependency (`World::externals`).
    ExternalId(u16);
    /// An object store (`World::object_stores`).
    ObjectStoreId(u16);
}

/// A `Vec` indexed by one id type only.
pub struct Arena<I, T> {
    items: Vec<T>,
    // `fn(I) -> I` keeps the arena `Send`/`Sync` whatever `I` is.
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> Arena<I, T> {
    pub const fn new() -> Self {
        Arena {
            items: Vec::new(),
            id: PhantomData,
        }
    }

    /// Adds an item and returns its id.
    #[inline]
    pub fn push(&mut self, item: T) -> I {
        let id = I::from_index(self.items.len());
        self.items.push(item);
        id
    }

    /// The id the next `push` will return.
    #[inline]
    pub fn next_id(&self) -> I {
        I::from_index(self.items.len())
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::from_index)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Every item with its id, in order.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.items
            .iter()
            .enumerate()
            .map(|(k, item)| (I::from_index(k), item))
    }

    /// Every item with its id, in order, mutably.
    pub fn iter_enumerated_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (I, &mut T)> + ExactSizeIterator {
        self.items
            .iter_mut()
            .enumerate()
            .map(|(k, item)| (I::from_index(k), item))
    }

    /// Grows or shrinks to `len` items, filling with `value`.
    pub fn resize(&mut self, len: usize, value: T)
    where
        T: Clone,
    {
        self.items.resize(len, value);
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.items.last_mut()
    }
}

impl<I: Id, T> Default for Arena<I, T> {
    fn default() -> Self {
        Arena::new()
    }
}

impl<I, T: Clone> Clone for Arena<I, T> {
    fn clone(&self) -> Self {
        Arena {
            items: self.items.clone(),
            id: PhantomData,
        }
    }
}

impl<I, T: fmt::Debug> fmt::Debug for Arena<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I: Id, T> Index<I> for Arena<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for Arena<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<I, T> From<Vec<T>> for Arena<I, T> {
    fn from(items: Vec<T>) -> Self {
        Arena {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for Arena<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Arena {
            items: iter.into_iter().collect(),
            id: PhantomData,
        }
    }
}

impl<'a, I, T> IntoIterator for &'a Arena<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut Arena<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_width() {
        assert_eq!(std::mem::size_of::<ServerId>(), 4);
        assert_eq!(std::mem::size_of::<VolumeId>(), 4);
        assert_eq!(std::mem::size_of::<LbId>(), 2);
        assert_eq!(std::mem::size_of::<DbId>(), 2);
        assert_eq!(std::mem::size_of::<CacheId>(), 2);
        assert_eq!(std::mem::size_of::<TierId>(), 2);
        assert_eq!(std::mem::size_of::<Option<DbId>>(), 4);
    }

    #[test]
    fn arena_push_returns_the_index() {
        let mut dbs: Arena<DbId, &str> = Arena::new();
        assert_eq!(dbs.push("a"), DbId(0));
        assert_eq!(dbs.push("b"), DbId(1));
        assert_eq!(dbs[DbId(1)], "b");
        let pairs: Vec<_> = dbs.iter_enumerated().collect();
        assert_eq!(pairs, vec![(DbId(0), &"a"), (DbId(1), &"b")]);
        assert_eq!(dbs.ids().collect::<Vec<_>>(), vec![DbId(0), DbId(1)]);
    }
}
