//! The one encoder between the panel problem and the flow network
//! (DESIGN.md "The key fact: most rules form a flow").
//!
//! ```text
//! application a (supply k_a)
//!   → (a, city c) group      cap: home c: min(k_a − q_a, max_per_city); other c: max_per_city
//!     → (a, c, institution i) group   cap: max_per_institution
//!       → [(e, programme p) node]  when p sets max_load: cap max_load of p
//!         → expert e         one arc per eligible pair, cap 1, cost −score
//!           → sink T (supply −Σk)      bounds min_load(e)..max_load(e)
//! ```
//!
//! A pair (a, e) whose application's programme caps loads enters the
//! expert through the (e, programme) node; its arc to the expert carries
//! the programme's `max_load`. The programme level nests under the expert
//! (every programme pair of e passes it), so the network stays exact.
//!
//! A group node is created only when its cap can bind (the cap is below both
//! k_a and the number of eligible experts in the group); otherwise its arcs
//! hang from the parent directly. This keeps the network small without
//! changing its feasible set.
//!
//! **Invariant:** this is the only module that knows both the model and the
//! flow network; [`Encoded`] maps nodes and arcs back to model objects.
//!
//! The per-institution rule nests inside the per-city rule only when every
//! institution sits in one city; [`check_laminar`] refuses otherwise.

use std::collections::BTreeMap;

use crate::eligibility::EligiblePairs;
use crate::flow::{ArcId, Network, NodeId};
use crate::model::{AppIx, CityIx, ExpertIx, InstIx, Instance, ProgIx};

/// What a node of the encoded network stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    /// An application (its supply is its panel size).
    Application(AppIx),
    /// Panel members of application a from city c.
    CityGroup(AppIx, CityIx),
    /// Panel members of application a from institution i.
    InstitutionGroup(AppIx, InstIx),
    /// An expert.
    Expert(ExpertIx),
    /// An expert's reviews within one programme that caps loads.
    ExpertProgramme(ExpertIx, ProgIx),
    /// The sink collecting every review.
    Sink,
}

/// What an arc of the encoded network stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArcRole {
    /// Application → its city group (the outside-city or per-city rule).
    /// With a city bonus, this arc carries all but the first seat.
    CityCap(AppIx, CityIx),
    /// Application → its city group, the first seat only, priced with the
    /// soft `bonus_per_city` (only when the bonus is on; see [`encode_with`]).
    CityBonus(AppIx, CityIx),
    /// Into an institution group (the per-institution rule).
    InstitutionCap(AppIx, InstIx),
    /// An eligible pair.
    Pair(AppIx, ExpertIx),
    /// Expert → sink (the load rule).
    Load(ExpertIx),
    /// (expert, programme) → expert (the programme's `max_load`).
    ProgrammeCap(ExpertIx, ProgIx),
}

/// The network plus the maps back to the model.
#[derive(Debug)]
pub struct Encoded {
    /// The flow network.
    pub net: Network,
    /// Role of each node, by node index.
    pub node_roles: Vec<NodeRole>,
    /// Role of each arc, by arc index.
    pub arc_roles: Vec<ArcRole>,
    /// Node of each application.
    pub app_node: Vec<NodeId>,
    /// Node of each expert (`None` when the expert has no eligible pair and
    /// no load floor, so it takes no part).
    pub expert_node: Vec<Option<NodeId>>,
    /// The sink.
    pub sink: NodeId,
    /// Group nodes by (application, city), sorted.
    pub city_groups: Vec<((AppIx, CityIx), NodeId)>,
    /// Group nodes by (application, institution), sorted.
    pub institution_groups: Vec<((AppIx, InstIx), NodeId)>,
    /// Group nodes added since the network was built ([`Encoded::add_group`]),
    /// not yet sorted into `city_groups` / `institution_groups`
    /// ([`Encoded::merge_added_groups`]).
    added_groups: std::collections::HashMap<Group, NodeId>,
    /// Built with a city bonus: every pair must pass a city group node.
    city_bonus: bool,
    /// The (expert, programme) nodes, for programmes that cap loads and
    /// can bind.
    programme_nodes: ProgrammeNodes,
}

/// A group of an application's pairs under one cap: its experts of one
/// city, or of one institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Group {
    /// (application, city).
    City(AppIx, CityIx),
    /// (application, institution).
    Institution(AppIx, InstIx),
}

/// Why [`Encoded::add_pair`] refused a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A cap could bind on a group that has no node yet
    /// ([`Encoded::add_group`] makes it).
    NeedsGroup(Group),
    /// Anything else (no expert node, a city bonus, a programme cap):
    /// the network must be rebuilt.
    Rebuild,
}

/// How [`encode_with`] builds the network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct EncodeOptions {
    /// Make a group node for the home city whenever its cap is below the
    /// panel size (even before any home-city pair), so that the pairs
    /// added later (see [`Encoded::add_pair`]), most of which fall under
    /// the outside-city rule, find their node. Every other group gets a
    /// node only when its pairs exceed its cap, as without this option: a
    /// national round with computed scores has about ten groups per
    /// application whose candidates exactly fill the cap, and a node for
    /// each made the network 1.7× larger (1.0M nodes against 0.6M at
    /// 60,000 × 16,000 with the Yangtze caps) and the simplex 1.7× slower,
    /// while a pair added later to such a group needs a node only when the
    /// group then exceeds its cap (and gets it in place,
    /// [`Encoded::add_group`]).
    pub groups_for_later_pairs: bool,
    /// Give every available expert a node (pairs added later then always
    /// find their expert).
    pub all_available_experts: bool,
    /// Leave out every city and institution cap (no group node): the
    /// relaxation whose optimum seeds the capped solve of a large round
    /// (see [`crate::carry::basis_from_panels`]).
    pub without_group_caps: bool,
}

/// Refusal to encode: the rules do not nest.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("institution {institution} has experts in more than one city ({cities}); max_per_institution then crosses the per-city rule, which the flow cannot hold")]
pub struct NotLaminar {
    /// The institution's name.
    pub institution: String,
    /// The cities it appears in, comma-separated.
    pub cities: String,
}

/// Checks that per-institution caps nest inside per-city groups: needed only
/// when `max_per_institution` is set.
pub fn check_laminar(inst: &Instance) -> Result<(), NotLaminar> {
    if !inst.any_institution_cap() {
        return Ok(());
    }
    let mut city_of: BTreeMap<InstIx, CityIx> = BTreeMap::new();
    for e in &inst.experts {
        let c = *city_of.entry(e.institution).or_insert(e.city);
        if c != e.city {
            return Err(NotLaminar {
                institution: inst.institutions.name(e.institution.0).to_string(),
                cities: format!("{}, {}", inst.cities.name(c.0), inst.cities.name(e.city.0)),
            });
        }
    }
    Ok(())
}

/// Builds the network for `inst` over the given eligible pairs, with the
/// pairs' scores and the policy's city bonus ([`encode_with`]).
///
/// Pair arcs of one application appear in the order of `pairs` (input
/// order of experts), which makes the solver's tie-breaking follow input
/// order.
pub fn encode(inst: &Instance, pairs: &EligiblePairs) -> Encoded {
    let weights: Vec<i64> = pairs.scores.iter().map(|s| s.0).collect();
    encode_full(
        inst,
        pairs,
        &weights,
        inst.policy.bonus_micro(),
        EncodeOptions::default(),
    )
}

/// [`encode`] with options (for networks that will grow, see
/// [`crate::pricing`]). The feasible set over the given pairs is the
/// same.
pub(crate) fn encode_with_options(
    inst: &Instance,
    pairs: &EligiblePairs,
    opts: EncodeOptions,
) -> Encoded {
    let weights: Vec<i64> = pairs.scores.iter().map(|s| s.0).collect();
    encode_full(inst, pairs, &weights, inst.policy.bonus_micro(), opts)
}

/// Builds the network with pair `p` (in [`EligiblePairs`] order) weighted
/// `weights[p]` instead of its score (the Lagrangian prices the crossing
/// rules into these), and a soft bonus of `city_bonus` millionths for each
/// distinct city on a panel.
///
/// The bonus nests in the tree: the arc application → (a, city c) is split
/// into a first seat worth `city_bonus` and the remaining seats worth 0.
/// The bonus is concave in the seats, so the min-cost flow always fills
/// the first seat first, and the flow value is exactly
/// `Σ weights + city_bonus × Σ_a (distinct cities on a's panel)`; the
/// caller subtracts `city_bonus` per non-empty panel to count cities
/// *beyond the first*. With a bonus every (a, c) group gets a node.
///
/// # Panics
/// Never on user data; `weights.len()` must equal `pairs.len()`.
pub fn encode_with(
    inst: &Instance,
    pairs: &EligiblePairs,
    weights: &[i64],
    city_bonus: i64,
) -> Encoded {
    encode_full(inst, pairs, weights, city_bonus, EncodeOptions::default())
}

/// The encoder behind [`encode`], [`encode_with`] and
/// [`encode_with_options`].
fn encode_full(
    inst: &Instance,
    pairs: &EligiblePairs,
    weights: &[i64],
    city_bonus: i64,
    opts: EncodeOptions,
) -> Encoded {
    assert_eq!(weights.len(), pairs.len(), "one weight per eligible pair");
    let n_apps = inst.applications.len();
    // Room for the usual network at once: its arrays then never grow
    // (each growth copies them and touches fresh memory), with an
    // (expert, programme) node and arc per expert and capped programme,
    // group nodes (a national round with city and institution caps has
    // about 9 per application) and a sixteenth more for the pairs pricing
    // adds. Room never written is address space only, so a generous room
    // costs no memory, while a short one doubles every array.
    let expert_nodes = inst.experts.len() * (1 + capped_programmes(inst).len());
    let (nodes_room, arcs_room) = (
        n_apps * 12 + expert_nodes + 1,
        pairs.len() + pairs.len() / 16 + n_apps * 12 + expert_nodes,
    );
    let mut net = Network::with_capacity(nodes_room, arcs_room);
    let mut node_roles = Vec::with_capacity(nodes_room);
    let mut arc_roles = Vec::with_capacity(arcs_room);
    let mut city_groups = Vec::new();
    let mut institution_groups = Vec::new();
    let add_node = |net: &mut Network, role: NodeRole, roles: &mut Vec<NodeRole>| {
        roles.push(role);
        net.add_node()
    };

    let sink = add_node(&mut net, NodeRole::Sink, &mut node_roles);
    let mut total_demand: i64 = 0;
    let app_node: Vec<NodeId> = inst
        .app_ixs()
        .map(|a| {
            let n = add_node(&mut net, NodeRole::Application(a), &mut node_roles);
            let k = i64::from(inst.panel_size(a));
            net.set_supply(n, k);
            total_demand += k;
            n
        })
        .collect();

    // Experts that take part: any eligible pair, or a load floor.
    let mut used = vec![false; inst.experts.len()];
    for &e in &pairs.experts {
        used[e.ix()] = true;
    }
    let expert_node: Vec<Option<NodeId>> = inst
        .expert_ixs()
        .map(|e| {
            (used[e.ix()]
                || inst.min_load(e) > 0
                || (opts.all_available_experts && inst.experts[e.ix()].available))
                .then(|| add_node(&mut net, NodeRole::Expert(e), &mut node_roles))
        })
        .collect();
    let programme_nodes = programme_nodes(
        inst,
        pairs,
        &expert_node,
        opts,
        &mut net,
        &mut node_roles,
        &mut arc_roles,
    );

    // Per application: eligible experts counted by city and institution
    // (dense tables, reset after each application through the lists of
    // those touched), to skip caps that cannot bind.
    let mut per_city = GroupTable::new(inst.cities.len());
    let mut per_inst = GroupTable::new(inst.institutions.len());
    let caps = !opts.without_group_caps;
    for a in inst.app_ixs() {
        let city_caps = inst.city_caps(a);
        let k = city_caps.panel_size;
        let experts = pairs.experts_of(a);
        let row = pairs.offsets[a.ix()]..pairs.offsets[a.ix() + 1];
        let scores = &weights[row];
        for &e in experts {
            let ex = &inst.experts[e.ix()];
            per_city.count(ex.city.ix(), e);
            per_inst.count(ex.institution.ix(), e);
        }
        if opts.groups_for_later_pairs {
            // The home city's cap (the outside-city rule) is the one most
            // pairs added later fall under: give it a node even before any
            // home-city pair exists.
            per_city.touch(inst.applications[a.ix()].city.ix());
        }
        per_city.sort();
        per_inst.sort();
        for t in 0..per_city.touched.len() {
            let ci = per_city.touched[t];
            let (c, count) = (CityIx(ci as u32), per_city.count[ci]);
            let cap = city_caps.of(c);
            // Seats the group can fill: later pairs may add to `count`.
            let reachable = if opts.groups_for_later_pairs {
                k
            } else {
                count
            };
            let seats = i64::from(cap.min(reachable).min(k));
            if !caps {
                continue;
            }
            if city_bonus != 0 && seats > 0 {
                let n = add_node(&mut net, NodeRole::CityGroup(a, c), &mut node_roles);
                net.add_arc(app_node[a.ix()], n, 0, 1, -city_bonus);
                arc_roles.push(ArcRole::CityBonus(a, c));
                if seats > 1 {
                    net.add_arc(app_node[a.ix()], n, 0, seats - 1, 0);
                    arc_roles.push(ArcRole::CityCap(a, c));
                }
                per_city.node[ci] = Some(n);
                city_groups.push(((a, c), n));
            } else if cap < k
                && (cap < count
                    || (opts.groups_for_later_pairs && c == inst.applications[a.ix()].city))
            {
                let n = add_node(&mut net, NodeRole::CityGroup(a, c), &mut node_roles);
                net.add_arc(app_node[a.ix()], n, 0, i64::from(cap), 0);
                arc_roles.push(ArcRole::CityCap(a, c));
                per_city.node[ci] = Some(n);
                city_groups.push(((a, c), n));
            }
        }
        let inst_cap = inst.max_from_institution(a);
        for t in 0..per_inst.touched.len() {
            let ii = per_inst.touched[t];
            let (i, count) = (InstIx(ii as u32), per_inst.count[ii]);
            if caps && inst_cap < k && inst_cap < count {
                let n = add_node(&mut net, NodeRole::InstitutionGroup(a, i), &mut node_roles);
                // The institution's city (laminar: all its experts share one).
                let first = per_inst.first[ii];
                let parent =
                    per_city.node[inst.experts[first.ix()].city.ix()].unwrap_or(app_node[a.ix()]);
                net.add_arc(parent, n, 0, i64::from(inst_cap), 0);
                arc_roles.push(ArcRole::InstitutionCap(a, i));
                per_inst.node[ii] = Some(n);
                institution_groups.push(((a, i), n));
            }
        }
        let programme = programme_nodes.row(inst.applications[a.ix()].programme);
        for (&e, &s) in experts.iter().zip(scores) {
            let ex = &inst.experts[e.ix()];
            let from = per_inst.node[ex.institution.ix()]
                .or(per_city.node[ex.city.ix()])
                .unwrap_or(app_node[a.ix()]);
            let to = programme
                .and_then(|row| row[e.ix()])
                .or(expert_node[e.ix()])
                .expect("experts with pairs have nodes");
            net.add_arc(from, to, 0, 1, -s);
            arc_roles.push(ArcRole::Pair(a, e));
        }
        per_city.clear();
        per_inst.clear();
    }

    for e in inst.expert_ixs() {
        if let Some(n) = expert_node[e.ix()] {
            net.add_arc(
                n,
                sink,
                i64::from(inst.min_load(e)),
                i64::from(inst.max_load(e)),
                0,
            );
            arc_roles.push(ArcRole::Load(e));
        }
    }
    net.set_supply(sink, -total_demand);
    Encoded {
        net,
        node_roles,
        arc_roles,
        app_node,
        expert_node,
        sink,
        city_groups,
        institution_groups,
        added_groups: Default::default(),
        city_bonus: city_bonus != 0,
        programme_nodes,
    }
}

/// The (expert, programme) nodes: one table per programme that caps
/// loads, indexed by expert (dense, so that the encoder finds a pair's
/// node without a search).
#[derive(Debug, Default)]
struct ProgrammeNodes {
    /// The programmes that cap loads, in index order.
    capped: Vec<ProgIx>,
    /// `node[k · experts + e]`: expert e's node for the k-th capped
    /// programme, if it has one.
    node: Vec<Option<NodeId>>,
    experts: usize,
}

impl ProgrammeNodes {
    /// Programme `p`'s table (by expert), when `p` caps loads.
    fn row(&self, p: Option<ProgIx>) -> Option<&[Option<NodeId>]> {
        let k = self.capped.iter().position(|&q| Some(q) == p)?;
        Some(&self.node[k * self.experts..(k + 1) * self.experts])
    }

    /// The (expert, programme) node a pair of programme `p` enters, if any.
    fn get(&self, e: ExpertIx, p: Option<ProgIx>) -> Option<NodeId> {
        self.row(p)?.get(e.ix()).copied().flatten()
    }
}

/// The programmes that cap loads (`max_load`), with their caps, in
/// programme order: each gets an (expert, programme) level.
fn capped_programmes(inst: &Instance) -> Vec<(ProgIx, u32)> {
    (0..inst.programmes.len() as u32)
        .map(ProgIx)
        .filter_map(|p| inst.programme_max_load(p).map(|c| (p, c)))
        .collect()
}

/// Makes an (expert, programme) node, with its capped arc to the expert,
/// wherever a programme's `max_load` can bind: below the expert's cap and
/// below the expert's pairs in that programme (or, for networks that will
/// grow, below the expert's cap alone).
fn programme_nodes(
    inst: &Instance,
    pairs: &EligiblePairs,
    expert_node: &[Option<NodeId>],
    opts: EncodeOptions,
    net: &mut Network,
    node_roles: &mut Vec<NodeRole>,
    arc_roles: &mut Vec<ArcRole>,
) -> ProgrammeNodes {
    let capped = capped_programmes(inst);
    if capped.is_empty() {
        return ProgrammeNodes::default();
    }
    // Pairs per (expert, capped programme): `count[e · capped + k]` for
    // the k-th capped programme.
    let n_capped = capped.len();
    let mut count = vec![0u32; inst.experts.len() * n_capped];
    let mut out = ProgrammeNodes {
        capped: capped.iter().map(|&(p, _)| p).collect(),
        node: vec![None; inst.experts.len() * n_capped],
        experts: inst.experts.len(),
    };
    for a in inst.app_ixs() {
        let Some(p) = inst.applications[a.ix()].programme else {
            continue;
        };
        let Some(k) = capped.iter().position(|&(q, _)| q == p) else {
            continue;
        };
        for &e in pairs.experts_of(a) {
            count[e.ix() * n_capped + k] += 1;
        }
    }
    let later = opts.groups_for_later_pairs || opts.all_available_experts;
    for e in inst.expert_ixs() {
        let Some(en) = expert_node[e.ix()] else {
            continue;
        };
        let total = inst.max_load(e);
        for (k, &(p, cap)) in capped.iter().enumerate() {
            let n_pairs = count[e.ix() * n_capped + k];
            if cap >= total || (!later && cap >= n_pairs) {
                continue;
            }
            node_roles.push(NodeRole::ExpertProgramme(e, p));
            let n = net.add_node();
            net.add_arc(n, en, 0, i64::from(cap), 0);
            arc_roles.push(ArcRole::ProgrammeCap(e, p));
            out.node[k * out.experts + e.ix()] = Some(n);
        }
    }
    out
}

impl Encoded {
    /// Adds the pair arc (a, e) with `score`, below the group it belongs
    /// to. `row` is every expert application `a` will have pairs with
    /// once this batch of additions is done (the pairs already in the
    /// network, those of the batch, `e` among them). Refuses (nothing
    /// changed) when a cap with no group node for it could bind: more than
    /// the cap's number of `row`'s experts in the group (the pair would
    /// dodge the cap: [`Refusal::NeedsGroup`], for [`Encoded::add_group`]),
    /// and when the expert has no node or the network has a city bonus
    /// ([`Refusal::Rebuild`]).
    pub(crate) fn add_pair(
        &mut self,
        inst: &Instance,
        a: AppIx,
        e: ExpertIx,
        score: i64,
        row: &[ExpertIx],
    ) -> Result<(), Refusal> {
        let Some(to) = self.expert_node[e.ix()] else {
            return Err(Refusal::Rebuild);
        };
        let ex = &inst.experts[e.ix()];
        let k = inst.panel_size(a);
        let city = self.group_node(Group::City(a, ex.city));
        if city.is_none() && self.city_bonus {
            // The pair would skip its city's bonus arc.
            return Err(Refusal::Rebuild);
        }
        let institution = self.group_node(Group::Institution(a, ex.institution));
        let city_cap = inst.max_from_city(a, ex.city);
        if city.is_none() && city_cap < k {
            let n = row
                .iter()
                .filter(|x| inst.experts[x.ix()].city == ex.city)
                .count();
            if n > city_cap as usize {
                return Err(Refusal::NeedsGroup(Group::City(a, ex.city)));
            }
        }
        let inst_cap = inst.max_from_institution(a);
        if institution.is_none() && inst_cap < k {
            let n = row
                .iter()
                .filter(|x| inst.experts[x.ix()].institution == ex.institution)
                .count();
            if n > inst_cap as usize {
                return Err(Refusal::NeedsGroup(Group::Institution(a, ex.institution)));
            }
        }
        let programme = inst.applications[a.ix()].programme;
        let to = match self.programme_nodes.get(e, programme) {
            Some(n) => n,
            None => {
                let cap = programme.and_then(|p| inst.programme_max_load(p));
                if cap.is_some_and(|c| c < inst.max_load(e)) {
                    // The pair would dodge its programme's cap.
                    return Err(Refusal::Rebuild);
                }
                to
            }
        };
        let from = institution.or(city).unwrap_or(self.app_node[a.ix()]);
        self.net.add_arc(from, to, 0, 1, -score);
        self.arc_roles.push(ArcRole::Pair(a, e));
        Ok(())
    }

    /// The node of a group, if it has one.
    fn group_node(&self, group: Group) -> Option<NodeId> {
        let sorted = match group {
            Group::City(a, c) => self
                .city_groups
                .binary_search_by_key(&(a, c), |&(key, _)| key)
                .ok()
                .map(|i| self.city_groups[i].1),
            Group::Institution(a, i) => self
                .institution_groups
                .binary_search_by_key(&(a, i), |&(key, _)| key)
                .ok()
                .map(|j| self.institution_groups[j].1),
        };
        sorted.or_else(|| self.added_groups.get(&group).copied())
    }

    /// Puts a node in front of a group of application `a`'s pairs that has
    /// none, with its cap on the arc into it, as the encoder would have
    /// (an institution's node below its city's, a city's node above its
    /// institutions'). `app_arcs` holds every arc of `a` (pairs and group
    /// arcs) and gains the new one; `row` is every expert of `a`'s pairs.
    /// The arcs whose source moved to the new node are added to `moved`
    /// (for [`crate::flow::simplex::Simplex::extend`]). Returns the arc
    /// into the new node; `None`, nothing changed, for a network with a
    /// city bonus.
    pub(crate) fn add_group(
        &mut self,
        inst: &Instance,
        group: Group,
        app_arcs: &mut Vec<ArcId>,
        row: &[ExpertIx],
        moved: &mut Vec<ArcId>,
    ) -> Option<ArcId> {
        if self.city_bonus || self.group_node(group).is_some() {
            return None;
        }
        // An institution's city (laminar: all its experts share one), from
        // its experts among the application's.
        let city_of = |i: InstIx| {
            row.iter()
                .map(|x| &inst.experts[x.ix()])
                .find(|x| x.institution == i)
                .map(|x| x.city)
        };
        let (role, parent, cap) = match group {
            Group::City(a, c) => (
                NodeRole::CityGroup(a, c),
                self.app_node[a.ix()],
                inst.max_from_city(a, c),
            ),
            Group::Institution(a, i) => {
                let parent = city_of(i)
                    .and_then(|c| self.group_node(Group::City(a, c)))
                    .unwrap_or(self.app_node[a.ix()]);
                (
                    NodeRole::InstitutionGroup(a, i),
                    parent,
                    inst.max_from_institution(a),
                )
            }
        };
        let node = self.net.add_node();
        self.node_roles.push(role);
        let belongs = |e: ExpertIx| {
            let ex = &inst.experts[e.ix()];
            match group {
                Group::City(_, c) => ex.city == c,
                Group::Institution(_, i) => ex.institution == i,
            }
        };
        for &arc in app_arcs.iter() {
            if self.net.source(arc) != parent {
                continue;
            }
            let inside = match self.arc_roles[arc.index()] {
                ArcRole::Pair(_, e) => belongs(e),
                // An institution's node (nested in the new city's).
                ArcRole::InstitutionCap(_, i) => match group {
                    Group::City(_, c) => city_of(i) == Some(c),
                    Group::Institution(..) => false,
                },
                _ => false,
            };
            if inside {
                self.net.set_source(arc, node);
                moved.push(arc);
            }
        }
        let entry = self.net.add_arc(parent, node, 0, i64::from(cap), 0);
        self.arc_roles.push(match group {
            Group::City(a, c) => ArcRole::CityCap(a, c),
            Group::Institution(a, i) => ArcRole::InstitutionCap(a, i),
        });
        app_arcs.push(entry);
        self.added_groups.insert(group, node);
        Some(entry)
    }

    /// Sorts the groups [`Encoded::add_group`] made into `city_groups`
    /// and `institution_groups`.
    pub(crate) fn merge_added_groups(&mut self) {
        if self.added_groups.is_empty() {
            return;
        }
        for (group, node) in self.added_groups.drain() {
            match group {
                Group::City(a, c) => self.city_groups.push(((a, c), node)),
                Group::Institution(a, i) => self.institution_groups.push(((a, i), node)),
            }
        }
        self.city_groups.sort_unstable_by_key(|&(k, _)| k);
        self.institution_groups.sort_unstable_by_key(|&(k, _)| k);
    }

    /// Reads panels off a flow: for each application, the experts whose pair
    /// arc carries flow, in input order.
    pub fn panels(&self, flow: &[i64]) -> Vec<Vec<ExpertIx>> {
        let mut panels = vec![Vec::new(); self.app_node.len()];
        for (ix, role) in self.arc_roles.iter().enumerate() {
            if let ArcRole::Pair(a, e) = *role {
                if flow[ix] > 0 {
                    panels[a.ix()].push(e);
                }
            }
        }
        for p in &mut panels {
            p.sort_unstable();
        }
        panels
    }

    /// Role of an arc.
    pub(crate) fn arc_role(&self, a: ArcId) -> ArcRole {
        self.arc_roles[a.index()]
    }

    /// The (expert, programme) node of `e` in programme `p`, if any.
    pub(crate) fn programme_node_of(&self, e: ExpertIx, p: ProgIx) -> Option<NodeId> {
        self.programme_nodes.get(e, Some(p))
    }

    /// Role of a node.
    pub fn node_role(&self, n: NodeId) -> NodeRole {
        self.node_roles[n.index()]
    }
}

/// `net` in the DIMACS min-cost flow format: `p min NODES ARCS`,
/// then `n ID SUPPLY` for every node with a non-zero supply, then
/// `a FROM TO LOWER UPPER COST` per arc; nodes numbered from 1. What
/// reference solvers read (`scripts/bench_scale.py`).
pub fn dimacs(net: &crate::flow::Network) -> Vec<u8> {
    use std::fmt::Write;
    let mut w = String::new();
    let _ = writeln!(w, "c panels candidate network");
    let _ = writeln!(w, "p min {} {}", net.num_nodes(), net.num_arcs());
    for v in net.nodes() {
        let b = net.supply(v);
        if b != 0 {
            let _ = writeln!(w, "n {} {b}", v.index() + 1);
        }
    }
    for a in net.arcs() {
        let _ = writeln!(
            w,
            "a {} {} {} {} {}",
            net.source(a).index() + 1,
            net.target(a).index() + 1,
            net.lower(a),
            net.upper(a),
            net.cost(a)
        );
    }
    w.into_bytes()
}

/// Eligible experts of one application counted by group (city or
/// institution), with the group's first expert and node: dense tables
/// indexed by the group, cleared through the list of groups touched.
struct GroupTable {
    count: Vec<u32>,
    first: Vec<ExpertIx>,
    node: Vec<Option<NodeId>>,
    touched: Vec<usize>,
}

impl GroupTable {
    fn new(groups: usize) -> GroupTable {
        GroupTable {
            count: vec![0; groups],
            first: vec![ExpertIx(0); groups],
            node: vec![None; groups],
            touched: Vec::new(),
        }
    }

    fn touch(&mut self, g: usize) {
        if self.count[g] == 0 && !self.touched.contains(&g) {
            self.touched.push(g);
        }
    }

    fn count(&mut self, g: usize, e: ExpertIx) {
        if self.count[g] == 0 {
            self.touched.push(g);
            self.first[g] = e;
        }
        self.count[g] += 1;
    }

    /// Touched groups in index order (the order nodes are made in).
    fn sort(&mut self) {
        self.touched.sort_unstable();
    }

    fn clear(&mut self) {
        for &g in &self.touched {
            self.count[g] = 0;
            self.node[g] = None;
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Score;
    use std::path::Path;

    /// A round where A1 (panel of 2, at most 1 expert per city) has a
    /// candidate in 长沙 only; 合肥 has no group node.
    fn capped() -> (Instance, EligiblePairs) {
        let bundle = r#"{"policy": {"panel_size": 2, "max_per_city": 1},
          "experts": [
            {"id": "E1", "city": "长沙", "institution": "U1"},
            {"id": "E2", "city": "合肥", "institution": "U2"},
            {"id": "E3", "city": "合肥", "institution": "U3"}],
          "applications": [{"id": "A1", "city": "武汉", "institution": "U0"}]}"#;
        let inst =
            crate::io::load_bundle_from_bytes(Path::new("b.json"), bundle.as_bytes()).unwrap();
        let pairs = EligiblePairs {
            offsets: vec![0, 1],
            experts: vec![ExpertIx(0)],
            scores: vec![Score(1)],
        };
        (inst, pairs)
    }

    /// A capped group without a node takes pairs while the application's
    /// pairs in it stay within the cap (the cap cannot bind), then refuses.
    #[test]
    fn pairs_join_a_capped_group_without_node_up_to_its_cap() {
        let (inst, pairs) = capped();
        let later = EncodeOptions {
            groups_for_later_pairs: true,
            all_available_experts: true,
            without_group_caps: false,
        };
        let mut enc = encode_with_options(&inst, &pairs, later);
        let arcs = enc.net.num_arcs();
        let row1 = [ExpertIx(0), ExpertIx(1)];
        assert_eq!(enc.add_pair(&inst, AppIx(0), ExpertIx(1), 5, &row1), Ok(()));
        assert_eq!(enc.net.num_arcs(), arcs + 1);
        let row2 = [ExpertIx(0), ExpertIx(1), ExpertIx(2)];
        assert!(
            matches!(
                enc.add_pair(&inst, AppIx(0), ExpertIx(2), 5, &row2),
                Err(Refusal::NeedsGroup(Group::City(AppIx(0), _)))
            ),
            "a second 合肥 pair could break the cap"
        );
        assert_eq!(enc.net.num_arcs(), arcs + 1, "a refusal changes nothing");

        // Counted on the whole batch: the first 合肥 pair of a batch of two
        // is refused too.
        let mut enc = encode_with_options(&inst, &pairs, later);
        assert!(enc
            .add_pair(&inst, AppIx(0), ExpertIx(1), 5, &row2)
            .is_err());
    }

    /// A capped group whose candidates only fill its cap gets no node on a
    /// growing network (the cap cannot bind yet); the home city does. A
    /// later pair that would take the group past its cap is refused until
    /// the group gets its node in place, in front of its pairs, with the
    /// cap the encoder gives it when built with both pairs.
    #[test]
    fn a_group_filled_to_its_cap_gets_no_node_until_a_pair_exceeds_it() {
        let (inst, _) = capped();
        // A1's candidate E2 fills 合肥's cap of 1.
        let pairs = EligiblePairs {
            offsets: vec![0, 1],
            experts: vec![ExpertIx(1)],
            scores: vec![Score(1)],
        };
        let later = EncodeOptions {
            groups_for_later_pairs: true,
            all_available_experts: true,
            without_group_caps: false,
        };
        let mut enc = encode_with_options(&inst, &pairs, later);
        let groups: Vec<&str> = enc
            .city_groups
            .iter()
            .map(|&((_, c), _)| inst.cities.name(c.0))
            .collect();
        assert_eq!(groups, ["武汉"], "the home city only");
        let row = [ExpertIx(1), ExpertIx(2)];
        let Err(Refusal::NeedsGroup(group)) = enc.add_pair(&inst, AppIx(0), ExpertIx(2), 5, &row)
        else {
            panic!("a second 合肥 pair must need the group's node");
        };
        let mut app_arcs: Vec<ArcId> = (0..enc.net.num_arcs() as u32)
            .map(ArcId)
            .filter(|&a| {
                matches!(
                    enc.arc_roles[a.index()],
                    ArcRole::Pair(..) | ArcRole::CityCap(..)
                )
            })
            .collect();
        let old_pair = app_arcs
            .iter()
            .copied()
            .find(|&a| enc.arc_roles[a.index()] == ArcRole::Pair(AppIx(0), ExpertIx(1)))
            .unwrap();
        let mut moved = Vec::new();
        assert!(enc
            .add_group(&inst, group, &mut app_arcs, &row, &mut moved)
            .is_some());
        assert_eq!(moved, [old_pair], "E2's pair moves behind the new node");
        assert_eq!(enc.add_pair(&inst, AppIx(0), ExpertIx(2), 5, &row), Ok(()));
        enc.merge_added_groups();
        // Built with both 合肥 pairs, the group gets the same node and cap.
        let both = EligiblePairs {
            offsets: vec![0, 2],
            experts: vec![ExpertIx(1), ExpertIx(2)],
            scores: vec![Score(1), Score(1)],
        };
        let built = encode_with_options(&inst, &both, later);
        assert_eq!(built.city_groups.len(), 2);
        let keys = |e: &Encoded| e.city_groups.iter().map(|&(k, _)| k).collect::<Vec<_>>();
        assert_eq!(keys(&enc), keys(&built));
        let caps = |e: &Encoded| {
            let mut v: Vec<(ArcRole, i64, NodeRole)> = (0..e.net.num_arcs() as u32)
                .map(ArcId)
                .filter(|&a| matches!(e.arc_roles[a.index()], ArcRole::CityCap(..)))
                .map(|a| {
                    (
                        e.arc_roles[a.index()],
                        e.net.upper(a),
                        e.node_role(e.net.target(a)),
                    )
                })
                .collect();
            v.sort_by_key(|x| format!("{x:?}"));
            v
        };
        assert_eq!(caps(&enc), caps(&built));
        // Both 合肥 pairs leave the group's node.
        let hefei = enc
            .city_groups
            .iter()
            .find(|&&((_, c), _)| inst.cities.name(c.0) == "合肥")
            .unwrap()
            .1;
        let from_group = (0..enc.net.num_arcs() as u32)
            .map(ArcId)
            .filter(|&a| {
                matches!(enc.arc_roles[a.index()], ArcRole::Pair(..)) && enc.net.source(a) == hefei
            })
            .count();
        assert_eq!(from_group, 2);
    }
}
