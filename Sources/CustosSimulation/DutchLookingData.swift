/// Word lists for synthetic people and places: Dutch-looking, invented combinations. No list
/// entry together with another describes a real person; house numbers, postcodes, phone numbers
/// and account numbers are drawn at random.
enum DutchLookingData {
    static let firstNames = [
        "Jan", "Pieter", "Kees", "Henk", "Joost", "Bram", "Daan", "Sem", "Lucas", "Milan", "Thijs", "Ruben", "Jesse", "Lars", "Koen",
        "Wouter", "Sander", "Mohamed", "Youssef", "Ahmet", "Emre", "Rajesh", "Stefan", "Marco", "Erik", "Gert", "Anouk", "Sanne", "Lotte",
        "Fleur", "Emma", "Julia", "Sophie", "Lisa", "Eva", "Noor", "Fenna", "Iris", "Femke", "Marieke", "Ingrid", "Fatima", "Samira",
        "Aylin", "Priya", "Chantal", "Esther", "Mirjam", "Petra", "Yvonne", "Wendy", "Hanneke", "Tessa", "Roos", "Maud", "Mila",
    ]
    static let surnames = [
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
        "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
        "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
        "de Bruijn", "de Bruin", "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven", "Hoekstra", "Maas",
        "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins", "Blom", "Huisman", "Yilmaz", "El Amrani", "Bouzid", "Kaya", "Ramdin",
    ]
    static let streets = [
        "Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat", "Stationsweg", "Nieuwstraat", "Marktplein", "Julianastraat",
        "Beatrixlaan", "Wilhelminastraat", "Oranjelaan", "Emmastraat", "Lindelaan", "Eikenlaan", "Beukenlaan", "Parkweg", "Kanaalweg",
        "Havenstraat", "Prinsengracht", "Laan van Meerdervoort", "Zeestraat", "Rijnstraat", "Vondellaan", "Rembrandtlaan", "Hoofdstraat",
    ]
    /// City and the first two digits of its postcodes.
    static let cities: [(String, Int)] = [
        ("Den Haag", 25), ("Rotterdam", 30), ("Amsterdam", 10), ("Utrecht", 35), ("Delft", 26), ("Leiden", 23), ("Zoetermeer", 27),
        ("Dordrecht", 33), ("Gouda", 28), ("Haarlem", 20), ("Amersfoort", 38), ("Eindhoven", 56), ("Tilburg", 50), ("Breda", 48),
        ("Groningen", 97), ("Zwolle", 80), ("Arnhem", 68), ("Nijmegen", 65), ("Maastricht", 62), ("Alkmaar", 18),
    ]
    static let companies = [
        "Bakkerij", "Drukkerij", "Installatiebedrijf", "Schildersbedrijf", "Loodgietersbedrijf", "Autobedrijf", "Kapsalon", "Tuincentrum",
        "Bouwbedrijf", "Transportbedrijf", "Adviesbureau", "Administratiekantoor", "Fietsenmaker", "Slagerij", "Bloemisterij",
    ]
    static let banks = ["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ"]
    static let creditors = ["Energie Direct", "Telecom Noord", "Zorgverzekeraar Midden", "Webwinkel Oost", "Sportschool Fit", "Woonstichting West"]
}
