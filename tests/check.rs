//! The invariant checker can fail: fed a world that went backwards, it
//! names the broken rule (a checker that never fires would pass every test).

mod common;

use common::*;
use kafkascope::check::Checker;
use kafkascope::sim::Command;

#[test]
fn the_checker_names_an_epoch_that_went_backwards() {
    let later = {
        let mut w = elected(4, 3);
        for _ in 0..2 {
            let c = w.controller().unwrap();
            apply(&mut w, Command::ShutdownBroker { broker: c });
            wait(&mut w, 5_000, "a new controller everyone knows", |w| {
                w.controller().is_some_and(|n| n != c) && settled(w)
            });
            apply(&mut w, Command::RestartBroker { broker: c });
            wait(&mut w, 5_000, "the restarted broker settles", settled);
        }
        w
    };
    let earlier = elected(4, 3);
    assert_eq!(later.controller_epoch(), 3);
    assert_eq!(earlier.controller_epoch(), 1);
    let mut checker = Checker::default();
    checker.check(&later).expect("a healthy world");
    let v = checker.check(&earlier).unwrap_err();
    assert!(
        v.rule == "accepted controller epoch never decreases"
            || v.rule == "/controller_epoch never decreases",
        "{v}"
    );
    assert!(v.detail.contains("from 3 to"), "{v}");
}
