//! One small stable sort shared by the whole engine, to keep the wasm bundle small.
//!
//! `slice::sort_by` compiles the standard library's driftsort (about 4 KB of wasm) once per
//! element type and comparator; the engine sorted forty different things, so the page carried
//! forty copies. Here the sorting itself is one non-generic merge sort over positions, calling
//! the comparator through `&dyn Fn`; each call site adds only a thin wrapper that compares two
//! positions and applies the resulting order with swaps.
//!
//! The result is the same as `slice::sort_by`: a stable sort, so elements that compare equal
//! keep their order, and output stays byte-identical. It is `O(n log n)` comparisons and needs
//! two `usize` buffers as long as the slice. For the same reason [`map_of`] and [`set_of`] build
//! ordered maps and sets by insertion instead of `collect()`, which sorts its input first.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` stably by `compare`, like [`slice::sort_by`].
pub fn by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let swaps = {
        let shared: &[T] = items;
        let at = |a: usize, b: usize| match (shared.get(a), shared.get(b)) {
            (Some(a), Some(b)) => compare(a, b),
            _ => Ordering::Equal,
        };
        swaps_for(&merge_sort(shared.len(), &at))
    };
    for (a, b) in swaps {
        if a < items.len() && b < items.len() {
            items.swap(a, b);
        }
    }
}

/// Sorts `items` stably by the key `key` returns, like [`slice::sort_by_key`].
pub fn by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` stably in their natural order, like [`slice::sort`].
pub fn natural<T: Ord>(items: &mut [T]) {
    by(items, T::cmp);
}

/// Collects `pairs` into a map, like `collect::<BTreeMap<_, _>>()` (a later pair with an equal
/// key replaces the value), by inserting one at a time: `collect()` first sorts its input with
/// the standard stable sort, one more copy of it per key and value type.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

/// Collects `items` into a set, like `collect::<BTreeSet<_>>()`, by inserting one at a time
/// (see [`map_of`]).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// The stable order of positions `0..len` under `compare`: a bottom-up merge sort.
/// Element `k` of the answer is the position of the element that belongs at `k`.
#[inline(never)]
fn merge_sort(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged: Vec<usize> = Vec::with_capacity(len);
    let mut width = 1_usize;
    while width < len {
        merged.clear();
        for run in order.chunks(width.saturating_mul(2)) {
            let (left, right) = run.split_at_checked(width).unwrap_or((run, &[]));
            merge(left, right, compare, &mut merged);
        }
        std::mem::swap(&mut order, &mut merged);
        width = width.saturating_mul(2);
    }
    order
}

/// Appends the merge of two sorted runs to `out`; on ties the left run goes first (stability).
fn merge(left: &[usize], right: &[usize], compare: &dyn Fn(usize, usize) -> Ordering, out: &mut Vec<usize>) {
    let mut left = left.iter().copied().peekable();
    let mut right = right.iter().copied().peekable();
    while let (Some(&a), Some(&b)) = (left.peek(), right.peek()) {
        if compare(b, a) == Ordering::Less {
            out.push(b);
            right.next();
        } else {
            out.push(a);
            left.next();
        }
    }
    out.extend(left);
    out.extend(right);
}

/// The swaps that rearrange a slice so that position `k` holds what was at `order[k]`,
/// found by walking each cycle of the permutation once.
#[inline(never)]
fn swaps_for(order: &[usize]) -> Vec<(usize, usize)> {
    let mut done = vec![false; order.len()];
    let mut swaps = Vec::new();
    for start in 0..order.len() {
        let mut here = start;
        // A position already placed ends the cycle; a bad index (impossible) ends it too.
        while let Some(false) = done.get(here).copied() {
            if let Some(flag) = done.get_mut(here) {
                *flag = true;
            }
            match order.get(here).copied() {
                Some(next) if next != start => {
                    swaps.push((here, next));
                    here = next;
                }
                _ => break,
            }
        }
    }
    swaps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so the cases differ without a clock.
    fn numbers(seed: u64, len: usize, modulo: u64) -> Vec<u64> {
        let mut state = seed.max(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % modulo
            })
            .collect()
    }

    #[test]
    fn matches_the_standard_stable_sort_including_ties() {
        for len in [0, 1, 2, 3, 7, 8, 9, 16, 33, 100, 257] {
            for seed in 1..6 {
                // Pairs of (key, original position): only the key is compared, so the
                // positions show whether equal keys kept their order.
                let keys = numbers(seed, len, 5);
                let mut ours: Vec<(u64, usize)> = keys.iter().copied().zip(0..).collect();
                let mut std = ours.clone();
                by_key(&mut ours, |pair| pair.0);
                std.sort_by_key(|pair| pair.0);
                assert_eq!(ours, std, "len {len} seed {seed}");
            }
        }
    }

    #[test]
    fn sorts_strings_naturally_and_by_reverse_comparator() {
        let mut words = vec!["kube-proxy", "calico", "tunl0", "KUBE-SVC", "calico", "eth0"];
        natural(&mut words);
        assert_eq!(words, ["KUBE-SVC", "calico", "calico", "eth0", "kube-proxy", "tunl0"]);
        by(&mut words, |a, b| b.cmp(a));
        assert_eq!(words, ["tunl0", "kube-proxy", "eth0", "calico", "calico", "KUBE-SVC"]);
    }

    #[test]
    fn map_of_and_set_of_equal_collect() {
        let pairs = [("tunl0", 1), ("eth0", 2), ("tunl0", 3), ("cali1", 4)];
        assert_eq!(map_of(pairs), pairs.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(map_of(pairs).get("tunl0"), Some(&3));
        let names = ["kube-system", "default", "kube-system", "calico-system"];
        assert_eq!(set_of(names), names.into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn already_sorted_and_reversed_inputs() {
        let mut up: Vec<u32> = (0..50).collect();
        natural(&mut up);
        assert_eq!(up, (0..50).collect::<Vec<_>>());
        let mut down: Vec<u32> = (0..50).rev().collect();
        natural(&mut down);
        assert_eq!(down, (0..50).collect::<Vec<_>>());
    }
}
