//! Calico IPAM: blocks per node, the tunl0 address, pod addresses.
//!
//! Part of `cluster::build`, between scheduling and the endpoint controller. A model of
//! libcalico-go's `lib/ipam`: pools are cut into blocks (`blockSize`, /26 by default), a
//! node claims a block ("block affinity") when it needs addresses, and addresses are taken
//! from the front of a block's unallocated list, so a fresh block hands out its network
//! address (ordinal 0) first. Nothing is ever released, so "front of the list" is simply
//! "lowest free ordinal".

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::cluster::naming::fnv32;
use crate::cluster::{EncapMode, IpPool};
use crate::net::Cidr;

/// SplitMix64's output function (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", 2014): one well-mixed 64-bit draw from a seed.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The block index a host's walk starts at: one draw from a generator seeded with FNV-1 32
/// of the hostname (Calico's seed), reduced to `count` blocks.
pub fn start_index(hostname: &str, count: u64) -> u64 {
    if count == 0 { 0 } else { splitmix64(u64::from(fnv32(hostname.as_bytes()))) % count }
}

/// Why an address could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpamError {
    /// The address is in no enabled pool.
    NotInPool,
    /// Someone already holds it; the handle says who (e.g. `pod default/web-…`).
    Taken { holder: String },
    /// A block is affine to another node.
    BlockTaken { node: String },
    /// No free address or block is left.
    Exhausted { pools: String },
}

/// One block of a pool.
#[derive(Clone, Debug)]
struct Block {
    affinity: Option<String>,
    /// Allocated ordinals and their handles.
    allocations: BTreeMap<u64, String>,
}

/// The IPAM state of the whole cluster.
#[derive(Clone, Debug)]
pub struct Ipam {
    pools: Vec<IpPool>,
    blocks: BTreeMap<Cidr, Block>,
    /// (node, block) in the order blocks were claimed.
    claims: Vec<(String, Cidr)>,
}

/// Which pools an allocation may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// A workload: every enabled pool.
    Workload,
    /// The IPIP tunnel address: enabled pools with `ipipMode` other than `Never`
    /// (calico-node's `allocateip` filters pools this way).
    IpipTunnel,
}

impl Ipam {
    /// IPAM over these pools (disabled pools are kept but never used).
    pub fn new(pools: Vec<IpPool>) -> Ipam {
        Ipam { pools, blocks: BTreeMap::new(), claims: Vec::new() }
    }

    fn usable(&self, use_for: Use) -> impl Iterator<Item = &IpPool> {
        self.pools
            .iter()
            .filter(move |pool| !pool.disabled && (use_for == Use::Workload || pool.ipip_mode != EncapMode::Never))
    }

    fn pool_names(&self, use_for: Use) -> String {
        let names: Vec<String> = self.usable(use_for).map(|pool| pool.cidr.to_string()).collect();
        if names.is_empty() { "no usable IP pool".to_string() } else { names.join(", ") }
    }

    /// The enabled pool containing `address`.
    pub fn pool_of(&self, address: Ipv4Addr) -> Option<&IpPool> {
        self.usable(Use::Workload).find(|pool| pool.cidr.contains(address))
    }

    /// The block (of its pool's block size) that contains `address`.
    pub fn block_of(&self, address: Ipv4Addr) -> Option<Cidr> {
        self.pool_of(address).and_then(|pool| Cidr::new(address, pool.block_size))
    }

    /// The node a block containing `address` is affine to.
    pub fn owner_of(&self, address: Ipv4Addr) -> Option<&str> {
        let block = self.block_of(address)?;
        self.blocks.get(&block).and_then(|block| block.affinity.as_deref())
    }

    /// The blocks affine to `node`, in claim order.
    pub fn blocks_of(&self, node: &str) -> Vec<Cidr> {
        self.claims.iter().filter(|(owner, _)| owner == node).map(|(_, block)| *block).collect()
    }

    /// Claims `block` for `node` (a BlockAffinity object, or a specific address's block).
    pub fn claim(&mut self, node: &str, block: Cidr) -> Result<(), IpamError> {
        match self.blocks.get_mut(&block) {
            Some(existing) => match existing.affinity.as_deref() {
                Some(owner) if owner == node => Ok(()),
                Some(owner) => Err(IpamError::BlockTaken { node: owner.to_string() }),
                None => {
                    existing.affinity = Some(node.to_string());
                    self.claims.push((node.to_string(), block));
                    Ok(())
                }
            },
            None => {
                self.blocks.insert(block, Block { affinity: Some(node.to_string()), allocations: BTreeMap::new() });
                self.claims.push((node.to_string(), block));
                Ok(())
            }
        }
    }

    /// Claims the next free block for `node`. A port of `randomBlockGenerator`
    /// (libcalico-go `lib/ipam/ipam_block_reader_writer.go`) with one substitution: Calico
    /// seeds Go's `math/rand` with FNV-1 32 of the hostname and draws the starting block index
    /// from it; the lab seeds SplitMix64 the same way ([`start_index`]), so starts are scattered
    /// and stable but not Calico's exact numbers. From there both walk forward, wrapping, to the
    /// first unclaimed block.
    pub fn claim_next(&mut self, node: &str, use_for: Use) -> Result<Cidr, IpamError> {
        let mut found = None;
        for pool in self.usable(use_for) {
            let Some(bits) = pool.block_size.checked_sub(pool.cidr.prefix_len()) else { continue };
            if bits > 32 {
                continue;
            }
            let count: u64 = 1 << bits;
            let block_len: u64 = 1u64 << (32u8.saturating_sub(pool.block_size));
            let start = start_index(node, count);
            for step in 0..count {
                let index = (start + step) % count;
                let Some(network) = pool.cidr.nth(index.saturating_mul(block_len)) else { break };
                let Some(block) = Cidr::new(network, pool.block_size) else { break };
                if !self.blocks.contains_key(&block) {
                    found = Some(block);
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        let block = found.ok_or_else(|| IpamError::Exhausted { pools: self.pool_names(use_for) })?;
        self.claim(node, block)?;
        Ok(block)
    }

    /// Assigns a specific address (`cni.projectcalico.org/ipAddrs`, `status.podIP`, a node's
    /// tunnel annotation). Like Calico's `AssignIP`, an unclaimed block is claimed for `node`;
    /// an address in another node's block is allowed (Calico "borrows" it).
    pub fn assign(&mut self, address: Ipv4Addr, node: Option<&str>, handle: &str) -> Result<(), IpamError> {
        let block_cidr = self.block_of(address).ok_or(IpamError::NotInPool)?;
        match node {
            Some(node) if !self.blocks.contains_key(&block_cidr) => self.claim(node, block_cidr)?,
            _ => {
                self.blocks.entry(block_cidr).or_insert_with(|| Block { affinity: None, allocations: BTreeMap::new() });
            }
        }
        let ordinal = u64::from(u32::from(address).wrapping_sub(u32::from(block_cidr.network())));
        let block = self.blocks.get_mut(&block_cidr).ok_or(IpamError::NotInPool)?;
        if let Some(holder) = block.allocations.get(&ordinal) {
            return Err(IpamError::Taken { holder: holder.clone() });
        }
        block.allocations.insert(ordinal, handle.to_string());
        Ok(())
    }

    /// Calico's `autoAssign`: the lowest free ordinal of the node's affine blocks (claim
    /// order), else a newly claimed block, else an address borrowed from any block.
    pub fn auto_assign(&mut self, node: &str, use_for: Use, handle: &str) -> Result<Ipv4Addr, IpamError> {
        for block in self.blocks_of(node) {
            if self.pool_allows(block, use_for)
                && let Some(address) = self.take_free(block, handle)
            {
                return Ok(address);
            }
        }
        if let Ok(block) = self.claim_next(node, use_for)
            && let Some(address) = self.take_free(block, handle)
        {
            return Ok(address);
        }
        let candidates: Vec<Cidr> =
            self.blocks.keys().copied().filter(|block| self.pool_allows(*block, use_for)).collect();
        for block in candidates {
            if let Some(address) = self.take_free(block, handle) {
                return Ok(address);
            }
        }
        Err(IpamError::Exhausted { pools: self.pool_names(use_for) })
    }

    fn pool_allows(&self, block: Cidr, use_for: Use) -> bool {
        self.usable(use_for).any(|pool| pool.cidr.contains_cidr(&block))
    }

    fn take_free(&mut self, block_cidr: Cidr, handle: &str) -> Option<Ipv4Addr> {
        let block = self.blocks.get_mut(&block_cidr)?;
        if u64::try_from(block.allocations.len()).unwrap_or(u64::MAX) >= block_cidr.size() {
            return None;
        }
        let ordinal = (0..block_cidr.size()).find(|ordinal| !block.allocations.contains_key(ordinal))?;
        let address = block_cidr.nth(ordinal)?;
        block.allocations.insert(ordinal, handle.to_string());
        Some(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(cidr: &str, block_size: u8, ipip_mode: EncapMode) -> IpPool {
        IpPool {
            name: "p".to_string(),
            cidr: cidr.parse().unwrap(),
            block_size,
            ipip_mode,
            vxlan_mode: EncapMode::Never,
            nat_outgoing: true,
            disabled: false,
        }
    }

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_hand_out_ordinal_zero_first() {
        let mut ipam = Ipam::new(vec![pool("192.168.0.0/16", 26, EncapMode::Always)]);
        ipam.claim("node1", "192.168.56.128/26".parse().unwrap()).unwrap();
        // tunl0 takes ordinal 0, the block's network address (seed: node1 tunl0 192.168.56.128).
        assert_eq!(ipam.auto_assign("node1", Use::IpipTunnel, "tunnel node1"), Ok(ip("192.168.56.128")));
        assert_eq!(ipam.auto_assign("node1", Use::Workload, "pod a"), Ok(ip("192.168.56.129")));
        assert_eq!(ipam.owner_of(ip("192.168.56.190")), Some("node1"));
        assert_eq!(ipam.owner_of(ip("192.168.56.192")), None);
    }

    #[test]
    fn claim_walks_from_the_hostname_hash() {
        let mut ipam = Ipam::new(vec![pool("10.0.0.0/24", 26, EncapMode::Never)]);
        // Four /26 blocks; the walk starts at the hostname's start index.
        let start = start_index("worker", 4);
        let first = ipam.claim_next("worker", Use::Workload).unwrap();
        assert_eq!(
            first.network(),
            ip("10.0.0.0").to_bits().checked_add((start * 64) as u32).map(Ipv4Addr::from_bits).unwrap()
        );
        // Each later claim walks forward to the next unclaimed block, wrapping.
        let second = ipam.claim_next("worker", Use::Workload).unwrap();
        assert_eq!(u64::from(second.network().to_bits() - ip("10.0.0.0").to_bits()), ((start + 1) % 4) * 64);
        ipam.claim_next("worker", Use::Workload).unwrap();
        ipam.claim_next("worker", Use::Workload).unwrap();
        assert_eq!(ipam.blocks_of("worker").len(), 4);
        assert!(matches!(ipam.claim_next("other", Use::Workload), Err(IpamError::Exhausted { .. })));
        // IPIP tunnels need an IPIP pool.
        assert!(matches!(ipam.auto_assign("worker", Use::IpipTunnel, "t"), Err(IpamError::Exhausted { .. })));
    }

    #[test]
    fn similar_hostnames_scatter() {
        // SplitMix64's first output for seed 0 is 0xe220a8397b1dcdaf (the reference
        // implementation's published first value).
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        let starts: Vec<u64> =
            ["worker-a", "worker-b", "worker-c"].iter().map(|name| start_index(name, 1024)).collect();
        assert!(starts.windows(2).all(|pair| pair[0].abs_diff(pair[1]) > 1), "{starts:?}");
        assert_eq!(start_index("x", 0), 0);
    }

    #[test]
    fn a_full_block_claims_another_then_borrows() {
        let mut ipam = Ipam::new(vec![pool("10.0.0.0/29", 30, EncapMode::Never)]);
        let addresses: Vec<Ipv4Addr> =
            (0..8).map(|n| ipam.auto_assign("a", Use::Workload, &format!("pod {n}")).unwrap()).collect();
        assert_eq!(ipam.blocks_of("a").len(), 2);
        assert_eq!(addresses.len(), 8);
        assert!(matches!(ipam.auto_assign("b", Use::Workload, "late"), Err(IpamError::Exhausted { .. })));
        let mut ipam = Ipam::new(vec![pool("10.0.0.0/29", 30, EncapMode::Never)]);
        ipam.claim("a", "10.0.0.0/30".parse().unwrap()).unwrap();
        ipam.claim("b", "10.0.0.4/30".parse().unwrap()).unwrap();
        for n in 0..4 {
            ipam.auto_assign("b", Use::Workload, &format!("b{n}")).unwrap();
        }
        // b's block is full and no block is free: it borrows from a's block.
        assert_eq!(ipam.auto_assign("b", Use::Workload, "b4"), Ok(ip("10.0.0.0")));
    }

    #[test]
    fn specific_addresses_claim_blocks_and_clash() {
        let mut ipam = Ipam::new(vec![pool("192.168.0.0/16", 26, EncapMode::Always)]);
        ipam.assign(ip("192.168.231.166"), Some("node2"), "pod default/nginx").unwrap();
        assert_eq!(ipam.blocks_of("node2"), vec!["192.168.231.128/26".parse::<Cidr>().unwrap()]);
        // 192.168.231.166 is ordinal 38, so the tunnel still gets ordinal 0.
        assert_eq!(ipam.auto_assign("node2", Use::IpipTunnel, "tunnel"), Ok(ip("192.168.231.128")));
        assert_eq!(
            ipam.assign(ip("192.168.231.166"), Some("node1"), "pod default/other"),
            Err(IpamError::Taken { holder: "pod default/nginx".to_string() })
        );
        assert_eq!(ipam.assign(ip("10.0.0.1"), Some("node1"), "x"), Err(IpamError::NotInPool));
        assert_eq!(
            ipam.claim("node1", "192.168.231.128/26".parse().unwrap()),
            Err(IpamError::BlockTaken { node: "node2".to_string() })
        );
    }
}
