// The refusals of the desks; `Refusal` and their words are in RefusalWords.swift.
extension RequestRefusal: Refusal {}
extension BreachRefusal: Refusal {}
extension InformationRefusal: Refusal {}
