//! Notes under the diagram for LoadBalancer Services left `<pending>`: why nothing gave
//! them an address, and which NodePort still works. The decision is
//! [`crate::loadbalancer::pending_load_balancers`]; this only words and lists it.

use std::rc::Rc;

use yew::prelude::*;

use crate::i18n::Lang;
use crate::i18n::examples::pending_note;
use crate::loadbalancer::pending_load_balancers;
use crate::analysis::Picture;

#[derive(Properties, Clone)]
pub struct LbNotesProps {
    pub picture: Option<Rc<Picture>>,
    pub lang: Lang,
}

impl PartialEq for LbNotesProps {
    fn eq(&self, other: &Self) -> bool {
        let same_picture = match (&self.picture, &other.picture) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_picture && self.lang == other.lang
    }
}

#[function_component(LbNotes)]
pub fn lb_notes(props: &LbNotesProps) -> Html {
    let Some(picture) = &props.picture else { return Html::default() };
    let pending = pending_load_balancers(&picture.cluster);
    if pending.is_empty() {
        return Html::default();
    }
    html! {
        <ul class="lb-notes" id="lb-notes">
            { for pending.iter().map(|entry| html! {
                <li role="note" data-service={entry.service.clone()}>{ pending_note(entry, props.lang) }</li>
            }) }
        </ul>
    }
}
