//! Co-authorship conflicts: an expert within `coauthor_hops` links of a team
//! member, counting only links in the `coauthor_years` window.
//!
//! The people and their links form a petgraph graph; a breadth-first search
//! from each team member, cut at the hop limit, finds the conflicted experts
//! and the chain that links them (kept as evidence for `panels explain`).

use std::collections::VecDeque;

use petgraph::graph::{NodeIndex, UnGraph};

use super::rules::{exclude, person_as_expert, Exclusions};
use super::Reason;
use crate::model::{Instance, PersonIx};

/// True when a link of `year` counts under the policy's year window.
/// Undated links always count; without `year` and `coauthor_years` every
/// link counts.
pub(crate) fn link_counts(inst: &Instance, year: Option<i32>) -> bool {
    match (inst.policy.year, inst.policy.coauthor_years, year) {
        (Some(round), Some(window), Some(y)) => {
            i64::from(y) >= i64::from(round) - i64::from(window)
        }
        _ => true,
    }
}

/// The co-authorship graph over all persons (node i = `PersonIx(i)`), with
/// only the links in the year window.
fn graph(inst: &Instance) -> UnGraph<(), ()> {
    let n = inst.persons.len();
    let mut g = UnGraph::with_capacity(n, inst.coauthorships.len());
    for _ in 0..n {
        g.add_node(());
    }
    for c in &inst.coauthorships {
        if c.a != c.b && link_counts(inst, c.year) {
            g.update_edge(NodeIndex::new(c.a.ix()), NodeIndex::new(c.b.ix()), ());
        }
    }
    g
}

/// The nearest team members found so far for one node: at most two
/// (member, links), of different members, nearest first.
type Labels = [Option<(u32, u32)>; 2];

/// Rule: e is within `coauthor_hops` links of a team member of a (other
/// than e itself).
///
/// One breadth-first search per application, from all its team members at
/// once, that keeps for every person the two nearest distinct members: the
/// nearest member *other than the person* is then always known (a team
/// member who is an expert is a co-author conflict when another member is
/// near). O(team + reached links) per application, however large the team
/// (a search per member was O(team²) on a team around one hub). Only the
/// member and the number of links are kept; the chain itself is found
/// again when asked ([`chain`]), so evidence stays small on long chains.
pub(crate) fn coauthor_conflicts(inst: &Instance, ex: &mut Exclusions) {
    let hops = inst.policy.coauthor_hops;
    if hops == 0 || inst.coauthorships.is_empty() {
        return;
    }
    let g = graph(inst);
    let n = g.node_count();
    let mut labels: Vec<Labels> = vec![[None, None]; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut queue: VecDeque<(usize, u32, u32)> = VecDeque::new();
    for a in inst.app_ixs() {
        for &v in &touched {
            labels[v] = [None, None];
        }
        touched.clear();
        queue.clear();
        for &member in &inst.applications[a.ix()].team {
            let m = member.ix();
            if offer(&mut labels[m], member.0, 0) {
                touched.push(m);
                queue.push_back((m, member.0, 0));
            }
        }
        while let Some((u, root, d)) = queue.pop_front() {
            if d == hops {
                continue;
            }
            for v in g.neighbors(NodeIndex::new(u)) {
                let v = v.index();
                if offer(&mut labels[v], root, d + 1) {
                    touched.push(v);
                    queue.push_back((v, root, d + 1));
                }
            }
        }
        for &v in &touched {
            let Some(e) = person_as_expert(inst, PersonIx(v as u32)) else {
                continue;
            };
            let nearest_other = labels[v]
                .iter()
                .flatten()
                .find(|&&(root, _)| root as usize != v);
            if let Some(&(root, links)) = nearest_other {
                exclude(
                    ex,
                    a,
                    e,
                    Reason::Coauthor {
                        member: PersonIx(root),
                        links,
                    },
                );
            }
        }
    }
}

/// Offers `(root, links)` to a node's labels; true when taken (the node
/// has fewer than two labels and none from `root`).
fn offer(l: &mut Labels, root: u32, links: u32) -> bool {
    match l {
        [None, _] => {
            l[0] = Some((root, links));
            true
        }
        [Some((r, _)), None] if *r != root => {
            l[1] = Some((root, links));
            true
        }
        _ => false,
    }
}

/// A shortest chain of counting co-authorships from `from` to `to` of at
/// most `max_links` links, `to` first (as [`Reason::Coauthor`] describes
/// it); `None` when there is none.
pub fn chain(
    inst: &Instance,
    from: PersonIx,
    to: PersonIx,
    max_links: u32,
) -> Option<Vec<PersonIx>> {
    let g = graph(inst);
    let n = g.node_count();
    let (start, goal) = (from.ix(), to.ix());
    if start >= n || goal >= n {
        return None;
    }
    let mut parent = vec![usize::MAX; n];
    let mut dist = vec![u32::MAX; n];
    let mut queue = VecDeque::from([start]);
    dist[start] = 0;
    while let Some(u) = queue.pop_front() {
        if u == goal {
            let mut path = vec![PersonIx(goal as u32)];
            let mut v = goal;
            while v != start {
                v = parent[v];
                path.push(PersonIx(v as u32));
            }
            return Some(path);
        }
        if dist[u] >= max_links {
            continue;
        }
        for v in g.neighbors(NodeIndex::new(u)) {
            let v = v.index();
            if dist[v] == u32::MAX {
                dist[v] = dist[u] + 1;
                parent[v] = u;
                queue.push_back(v);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::Eligibility;

    /// An instance as the loaders build it from a bundle of experts (city
    /// X, institution I), applications (city Y, institution J) with their
    /// teams, and co-authorship links; `None` for a link from a person to
    /// themselves, which the loaders refuse.
    fn instance(
        experts: &[String],
        teams: &[Vec<String>],
        links: &[(String, String)],
        hops: u32,
    ) -> Option<Instance> {
        use crate::model::{Application, CityIx, Coauthorship, Expert, InstIx, Interner, Policy};
        if links.iter().any(|(a, b)| a == b) {
            return None;
        }
        let (mut cities, mut institutions, mut persons) = (
            Interner::default(),
            Interner::default(),
            Interner::default(),
        );
        let (x, i) = (CityIx(cities.intern("X")), InstIx(institutions.intern("I")));
        let (y, j) = (CityIx(cities.intern("Y")), InstIx(institutions.intern("J")));
        let experts = experts
            .iter()
            .map(|id| {
                persons.intern(id);
                Expert {
                    id: id.clone(),
                    name: None,
                    city: x,
                    institution: i,
                    fields: Vec::new(),
                    keywords: Vec::new(),
                    title: None,
                    max_load: None,
                    min_load: None,
                    available: true,
                    programmes: Vec::new(),
                }
            })
            .collect();
        let applications = teams
            .iter()
            .enumerate()
            .map(|(k, team)| Application {
                id: format!("A{k}"),
                title: None,
                city: y,
                institution: j,
                fields: Vec::new(),
                keywords: Vec::new(),
                panel_size: None,
                team: team.iter().map(|p| PersonIx(persons.intern(p))).collect(),
                avoid: Vec::new(),
                programme: None,
            })
            .collect();
        let coauthorships = links
            .iter()
            .map(|(a, b)| Coauthorship {
                a: PersonIx(persons.intern(a)),
                b: PersonIx(persons.intern(b)),
                year: None,
            })
            .collect();
        Some(Instance {
            policy: Policy {
                panel_size: 1,
                coauthor_hops: hops,
                ..Policy::default()
            },
            experts,
            applications,
            conflicts: Vec::new(),
            coauthorships,
            affinity: None,
            cities,
            institutions,
            persons,
            kept: Default::default(),
            programmes: Default::default(),
            history: Default::default(),
        })
    }

    /// A team of `t` people all linked to one hub, every one an expert.
    fn hub_instance(t: usize) -> Instance {
        let team: Vec<String> = (0..t).map(|i| format!("P{i}")).collect();
        let links: Vec<_> = team
            .iter()
            .map(|p| (p.clone(), "HUB".to_string()))
            .collect();
        let mut experts = team.clone();
        experts.extend(["HUB".to_string(), "FAR".to_string()]);
        instance(&experts, &[team], &links, 2).unwrap()
    }

    #[test]
    fn members_count_as_coauthors_of_each_other_but_not_of_themselves() {
        let inst = hub_instance(3);
        let elig = Eligibility::compute(&inst);
        let a = crate::model::AppIx(0);
        let p0 = inst.expert_by_id("P0").unwrap();
        let kinds: Vec<_> = elig.check(&inst, a, p0).reasons;
        assert!(kinds.contains(&Reason::OnTeam));
        assert!(kinds
            .iter()
            .any(|r| matches!(r, Reason::Coauthor { links: 2, .. })));
        let hub = inst.expert_by_id("HUB").unwrap();
        assert!(matches!(
            elig.check(&inst, a, hub).reasons[..],
            [Reason::Coauthor { links: 1, .. }]
        ));
        let far = inst.expert_by_id("FAR").unwrap();
        assert!(elig.check(&inst, a, far).is_eligible());
    }

    #[test]
    fn a_team_of_two_thousand_around_one_hub_is_fast() {
        let inst = hub_instance(2000);
        let t = std::time::Instant::now();
        let elig = Eligibility::compute(&inst);
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
        let a = crate::model::AppIx(0);
        let p = inst.expert_by_id("P1999").unwrap();
        assert!(elig.is_person_excluded(a, p));
    }

    /// A chain of 30,000 co-authors, every one an expert, with the whole
    /// chain in reach: evidence stays one member and a count per pair.
    #[test]
    fn a_thirty_thousand_link_chain_stays_small() {
        let n = 30_000;
        let experts: Vec<String> = (0..n).map(|i| format!("P{i}")).collect();
        let links: Vec<_> = (1..n)
            .map(|i| (format!("P{}", i - 1), format!("P{i}")))
            .collect();
        let teams = vec![vec!["P0".to_string()]; 5];
        let inst = instance(&experts, &teams, &links, n as u32).unwrap();
        let t = std::time::Instant::now();
        let elig = Eligibility::compute(&inst);
        assert!(t.elapsed().as_secs() < 10);
        let a = crate::model::AppIx(4);
        let last = inst.expert_by_id(&format!("P{}", n - 1)).unwrap();
        let reasons = elig.check(&inst, a, last).reasons;
        assert_eq!(
            reasons,
            vec![Reason::Coauthor {
                member: PersonIx(0),
                links: n as u32 - 1
            }]
        );
        let chain = reasons[0].chain(&inst, last).unwrap();
        assert_eq!(chain.len(), n);
        assert_eq!(chain[0], PersonIx(last.0));
    }

    proptest::proptest! {
        /// The one search per application finds exactly the experts one
        /// search per team member (the rule as written) finds, on random
        /// graphs, teams and hop limits.
        #[test]
        fn equals_a_search_per_member(
            links in proptest::collection::vec((0usize..10, 0usize..10), 0..20),
            teams in proptest::collection::vec(proptest::collection::vec(0usize..12, 0..5), 1..4),
            hops in 1u32..4,
        ) {
            let person = |i: usize| format!("P{i}");
            let experts: Vec<String> = (0..8).map(person).collect();
            let teams: Vec<Vec<String>> = teams
                .iter()
                .map(|t| t.iter().map(|&i| person(i)).collect())
                .collect();
            let co: Vec<_> = links.iter().map(|&(a, b)| (person(a), person(b))).collect();
            let Some(inst) = instance(&experts, &teams, &co, hops) else {
                return Ok(());
            };
            let elig = Eligibility::compute(&inst);
            for a in inst.app_ixs() {
                for e in inst.expert_ixs() {
                    let expected = inst.applications[a.ix()].team.iter().any(|&m| {
                        m.ix() != e.ix() && chain(&inst, m, PersonIx(e.0), hops).is_some()
                    });
                    let found = elig.check(&inst, a, e).reasons.iter().find_map(|r| match r {
                        Reason::Coauthor { member, links } => Some((*member, *links)),
                        _ => None,
                    });
                    proptest::prop_assert_eq!(found.is_some(), expected);
                    if let Some((m, l)) = found {
                        let c = chain(&inst, m, PersonIx(e.0), hops).unwrap();
                        proptest::prop_assert_eq!(c.len() as u32 - 1, l);
                    }
                }
            }
        }
    }
}
